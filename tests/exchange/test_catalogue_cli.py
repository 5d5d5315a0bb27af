"""`onconode catalogue validate` runs the vendored shapes over the node's catalogue and says
what is wrong in plain words (exit 3), or that it conforms; `catalogue show` prints it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from tests.conftest import frozen_synthetic_store


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return frozen_synthetic_store(tmp_path_factory.mktemp("catalogue-cli"), patients=30, seed=5, median_variants=10, freeze="DR-CLI")


def onconode(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), *args], capture_output=True, text=True, timeout=300)


def test_validate_names_each_violation_in_plain_words_and_fails(home):
    r = onconode(home, "catalogue", "validate", "--base-url", "https://node.example.org")
    assert r.returncode == 3, r.stderr
    assert ("[gdi] https://node.example.org/fdp/dataset/HMF-SYNTH, property http://purl.org/dc/terms/identifier: "
            "Use GOE-CC-NNN… or GDI-CC-NNN… (CC = two-letter country code, NNN… = digits).") in r.stdout
    assert "[healthdcat-ap]" not in r.stdout and "1 violation(s)" in r.stdout


def test_validate_passes_once_the_settings_give_the_gdi_identifier(home, tmp_path):
    config = tmp_path / "onconode.toml"
    config.write_text('[catalogue]\ngdi_identifiers = { HMF-SYNTH = "GDI-NL-3" }\n')
    r = subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), "catalogue", "validate"], capture_output=True,
                       text=True, timeout=300, env={**__import__("os").environ, "ONCONODE_CONFIG": str(config)})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "The catalogue conforms to: healthdcat-ap, gdi." in r.stdout


def test_validate_refuses_an_unknown_profile_or_freeze(home):
    r = onconode(home, "catalogue", "validate", "--profile", "dcat")
    assert r.returncode == 2 and "choose one of healthdcat-ap, gdi" in r.stderr
    r = onconode(home, "catalogue", "validate", "--freeze", "DR-NOPE")
    assert r.returncode == 2 and "DR-NOPE" in r.stderr


def test_show_prints_the_catalogue_as_json_ld(home):
    r = onconode(home, "catalogue", "show", "--format", "json-ld")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert isinstance(doc["@context"], dict)
    assert len(Graph().parse(data=r.stdout, format="json-ld")) > 1000
