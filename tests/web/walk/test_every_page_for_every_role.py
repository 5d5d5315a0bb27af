"""Visual regression: every page of the portal, for every role, shot in Chromium into
build/screenshots/ (ONCONODE_SCREENSHOTS overrides), for CI to keep as artefacts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from onconode.interfaces.http.app import create_app
from tests.conftest import ROOT
from tests.web.access_pages.conftest import totp
from tests.web.access_pages.steps import login_as, post
from tests.web.access_pages.test_board_and_office_pages import active_dar
from tests.web.access_pages.test_browser_procedures import log_in
from tests.web.conftest import make_person
from tests.web.walk.screens import page_paths, walk_roles

pytestmark = pytest.mark.slow
OUT = Path(os.environ.get("ONCONODE_SCREENSHOTS", ROOT / "build" / "screenshots"))


def test_every_page_is_shot_for_every_role(page, live_server, client, cast, clock, node):
    # Content on every page: an active DAR (analyst@umcu.nl its download contact), a draft, and a saved cohort.
    app_id = active_dar(client, cast, clock)
    contact = make_person(node, "analyst@umcu.nl")
    csrf = login_as(client, cast.applicant, clock)
    post(client, csrf, "/access/new/dar", {"title": "A second project, still a draft", "action": "save"})
    cohort = post(client, csrf, "/cohorts", {"name": "Colorectal", "tumour_location": "Colorectum"}).headers["location"].rsplit("/", 1)[1]
    people = {"applicant": cast.applicant, "signatory": cast.signatory, "download-contact": contact, "scientific-board": cast.sb,
              "access-board": cast.dab, "access-office": cast.office, "data-manager": cast.manager, "physician": cast.physician}
    roles = {"anonymous": None}
    for name, person in people.items():
        roles[name] = lambda person=person: log_in(page, live_server, person.email, totp(person, clock))
    paths, skipped = page_paths(create_app(node), {"app_id": app_id, "dataset_id": "HMF-SYNTH", "cohort_id": cohort})
    assert "/access/office" in paths and f"/access/applications/{app_id}" in paths and f"/cohorts/{cohort}" in paths

    screens = walk_roles(page, live_server, roles, paths, OUT, skipped)

    shot = [s for s in screens if s.file]
    assert {s.role for s in shot} == set(roles)
    assert all((OUT / s.file).stat().st_size > 0 for s in shot)
    assert not [s for s in screens if s.status and s.status >= 500], "a page failed"
    index = json.loads((OUT / "index.json").read_text())
    assert len(index["screens"]) == len(paths) * len(roles)
