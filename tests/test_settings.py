"""The node's settings: one file with sections, the environment over it, checked at start."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from onconode.settings import Settings, SettingsError, settings_markdown

ROOT = Path(__file__).resolve().parents[1]


def onconode(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ONCONODE_")}
    return subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), *args], capture_output=True,
                          text=True, env={**clean, **(env or {})}, timeout=120)


@pytest.fixture(autouse=True)
def no_settings_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.startswith("ONCONODE_")]:
        monkeypatch.delenv(key)


def test_the_home_folder_settings_file_is_read(tmp_path: Path):
    (tmp_path / "onconode.toml").write_text('[node]\nname = "NL-Hartwig"\n[disclosure]\nmin_cell = 10\n')
    s = Settings.load(tmp_path)
    assert (s.node.name, s.disclosure.min_cell, s.disclosure.suppressed) == ("NL-Hartwig", 10, "<10")


def test_a_node_without_a_file_runs_on_the_embedded_defaults(tmp_path: Path):
    s = Settings.load(tmp_path)
    assert s == Settings.load(tmp_path / "elsewhere")
    assert (s.disclosure.min_cell, s.beacon.budget.limit, s.web.trusted_proxies) == (5, 300, [])


def test_environment_variables_win_over_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "onconode.toml").write_text('[oidc]\nclient_id = "from-file"\nissuer = "https://idp"\n')
    monkeypatch.setenv("ONCONODE_OIDC_CLIENT_ID", "from-env")
    monkeypatch.setenv("ONCONODE_BEACON_BUDGET", '{"limit": 7}')
    s = Settings.load(tmp_path)
    assert (s.oidc.client_id, s.oidc.issuer, s.beacon.budget.limit) == ("from-env", "https://idp", 7)


def test_config_variable_names_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    other = tmp_path / "etc" / "node.toml"
    other.parent.mkdir()
    other.write_text('[node]\nname = "SE"\n')
    monkeypatch.setenv("ONCONODE_CONFIG", str(other))
    assert Settings.load(tmp_path).node.name == "SE"
    monkeypatch.setenv("ONCONODE_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(SettingsError, match="missing.toml: no such settings file"):
        Settings.load(tmp_path)


@pytest.mark.parametrize("content, says", [
    ('[disclosure]\nmin_cell = 3\n', "disclosure: disclosure thresholds may only be made stricter: min_cell = 3"),
    ('[disclosure]\nmin_cel = 10\n', "disclosure.min_cel: unknown setting"),
    ('[beacons]\nid = "x"\n', "unknown section(s) beacons"),
    ('[smtp]\nport = "twenty-five"\n', "smtp.port: Input should be a valid integer"),
    ('[node\nname = "x"\n', "not valid TOML"),
])
def test_a_wrong_setting_is_named_with_its_file_and_key(tmp_path: Path, content: str, says: str):
    (tmp_path / "onconode.toml").write_text(content)
    with pytest.raises(SettingsError) as err:
        Settings.load(tmp_path)
    assert str(err.value).startswith(str(tmp_path / "onconode.toml")) and says in str(err.value)


@pytest.mark.parametrize("retired, section", [("disclosure.toml", "[disclosure]"), ("beacon.toml", "[beacon]"),
                                              ("federation/policy.toml", "[federation]"),
                                              ("federation/portal.toml", "[federation.portal]")])
def test_a_retired_settings_file_stops_the_node_with_where_its_content_goes(tmp_path: Path, retired: str, section: str):
    (tmp_path / retired).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / retired).write_text("min_cell = 10\n")
    with pytest.raises(SettingsError, match=re.escape(f"{retired} -> {section}")):
        Settings.load(tmp_path)


def test_settings_check_and_show_on_the_command_line(tmp_path: Path):
    (tmp_path / "onconode.toml").write_text('[node]\nname = "NL"\n')
    assert onconode(tmp_path, "settings", "check").returncode == 0
    shown = onconode(tmp_path, "settings", "show", env={"ONCONODE_SMTP_HOST": "mail.example"})
    assert '"name": "NL"' in shown.stdout and '"host": "mail.example"' in shown.stdout
    (tmp_path / "onconode.toml").write_text('[node]\nnmae = "NL"\n')
    bad = onconode(tmp_path, "settings", "check")
    assert bad.returncode == 2 and "node.nmae: unknown setting" in bad.stderr


def test_serve_refuses_to_start_on_bad_settings(tmp_path: Path):
    assert onconode(tmp_path, "init").returncode == 0
    (tmp_path / "onconode.toml").write_text('[disclosure]\nmin_group = 1\n')
    started = onconode(tmp_path, "serve", "--port", "1")
    assert started.returncode == 2 and "min_group = 1 (may not be below the default 5)" in started.stderr


def test_the_settings_reference_is_generated_from_the_model():
    committed = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert committed == settings_markdown() + "\n", "run `onconode settings docs > docs/settings.md`"


def test_a_malformed_environment_value_is_named_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ONCONODE_WEB_TRUSTED_PROXIES", "10.0.0.1")
    with pytest.raises(SettingsError, match="environment variable.*given as JSON"):
        Settings.load(tmp_path)


def test_a_process_without_a_home_reads_the_environment_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "onconode.toml").write_text('[node]\nname = "from-the-working-directory"\n')
    monkeypatch.setenv("ONCONODE_FEDERATION_PLUGINS", "site_algorithms, more_algorithms")
    s = Settings.load(None)
    assert s.node.name == "demo-node" and s.federation.plugins == ["site_algorithms", "more_algorithms"]
