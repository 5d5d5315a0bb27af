"""Every `onconode` command reports a problem the same way (docs/cli.md, "Errors and exit codes"):

- the message goes to stderr as `error: what — how to fix`, nothing half-printed on stdout;
- exit 1: the command could not do it (refused, not found, wrong state);
- exit 2: what was given is not valid (Typer's usage errors, and input checked before any work);
- exit 3: a check the command ran answered no (a verification found changes, a run did not finish).

The commands run as a user runs them: `python -m onconode ...` in a process of their own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def onconode(*args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "onconode", *(["--home", str(home)] if home else []), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("cli-errors") / "node"
    assert onconode("init", home=home).returncode == 0
    return home


def assert_error(run: subprocess.CompletedProcess[str], code: int, *says: str) -> None:
    assert run.returncode == code, (run.returncode, run.stdout, run.stderr)
    assert run.stderr.startswith("error: "), run.stderr
    for text in says:
        assert text in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


def test_a_usage_mistake_exits_2_with_typers_message():
    run = onconode("stats", "--no-such-option")
    assert run.returncode == 2 and "No such option" in run.stderr


def test_a_missing_node_exits_1_and_says_how_to_create_one(tmp_path: Path):
    assert_error(onconode("serve", home=tmp_path / "nowhere"), 1, "no node in", "init")


def test_the_message_is_printed_as_given_even_with_brackets(tmp_path: Path):
    """Rich markup in a message (a path like `a[red]b`, an id a user typed) is text, not styling."""
    assert_error(onconode("serve", home=tmp_path / "a[red]b"), 1, "a[red]b")


def test_governance_commands_report_through_the_same_channel(node: Path):
    assert_error(onconode("access", "user", "totp", "someone@example.org", home=node), 1, "is not a demo node")


def test_release_commands_report_through_the_same_channel(node: Path):
    assert_error(onconode("release", "snapshot", home=node), 1, "no freeze in this store", "onconode freeze create")


def test_federation_commands_report_through_the_same_channel():
    run = onconode("federation", "run", "--coordinator", "http://127.0.0.1:9", "-c", "study", "-a", "counts")
    assert_error(run, 1, "exactly one of --dar")


def test_an_invalid_cohort_definition_exits_2_and_names_the_mistake(node: Path):
    run = onconode("analyse", "summary", '{"op": "no_such_op"}', home=node)
    assert_error(run, 2, "no_such_op")


def test_invalid_beacon_arguments_exit_2():
    run = onconode("beacon", "network", "--nodes", "http://127.0.0.1:9/beacon", "-p", "geneId")
    assert_error(run, 2, "is not key=value")


def test_a_beacon_network_where_no_node_answers_exits_1_with_an_error_line():
    run = onconode("beacon", "network", "--nodes", "http://127.0.0.1:9/beacon", "--timeout", "2")
    assert run.returncode == 1 and "error: no Beacon of the network answered" in run.stderr, run.stderr


def test_a_check_that_answers_no_exits_3(tmp_path: Path):
    """`release verify` of a folder whose manifest lists a file that is not there."""
    folder = tmp_path / "release"
    folder.mkdir()
    manifest = {"format": "onconode-release", "files": [{"path": "metadata.tsv", "bytes": 10, "sha256": "0" * 64}]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    run = onconode("release", "verify", str(folder))
    assert "FAILED metadata.tsv: missing" in run.stdout
    assert_error(run, 3, "1 problem(s)", "download the named files again")


def test_a_folder_that_is_not_a_release_exits_1(tmp_path: Path):
    assert_error(onconode("release", "verify", str(tmp_path)), 1, "has no manifest.json")
