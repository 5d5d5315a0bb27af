"""The cohort builder: labelled controls, a live count through the disclosure gate,
saved cohorts with shareable ids, and one gate identity per person."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from onconode.analysis import cohort, saved, service
from tests.web.conftest import FREEZE, login, make_person
from tests.web.portal.conftest import CRC_ANTI_EGFR, page_csrf, save, text


class Controls(HTMLParser):
    """Form controls of a page and the ids its <label for=...> name; controls inside a <label> count as labelled."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[tuple[str, str | None, bool]] = []  # tag, id, inside a label
        self.labels: set[str] = set()
        self.headings: list[int] = []
        self._in_label = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self._in_label += 1
            if a.get("for"):
                self.labels.add(a["for"])
        elif tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append((a.get("name") or tag, a.get("id"), self._in_label > 0))
        elif tag in ("h1", "h2", "h3", "h4"):
            self.headings.append(int(tag[1]))

    def handle_endtag(self, tag):
        if tag == "label":
            self._in_label -= 1


def parsed(html: str) -> Controls:
    p = Controls()
    p.feed(html)
    return p


def test_every_control_of_the_builder_has_a_label_and_headings_go_in_order(client):
    page = parsed(client.get("/cohorts").text)
    unlabelled = [name for name, id_, inside in page.controls if not inside and id_ not in page.labels]
    assert page.controls and unlabelled == []
    assert page.headings[0] == 1 and all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:]))


def test_the_builder_offers_the_values_in_the_data_and_the_freezes(client):
    html = client.get("/cohorts").text
    assert '<option value="Colorectum">' in html and '<option value="Anti-EGFR">' in html
    assert f'<option value="{FREEZE}">freeze {FREEZE}</option>' in html


def test_the_live_count_counts_the_cohort_the_form_describes(client, node):
    r = client.post("/cohorts/count", data={"csrf": page_csrf(client), **CRC_ANTI_EGFR})
    assert r.status_code == 200
    definition = {"op": "and", "args": [{"op": "tumour_location", "locations": ["Colorectum"]},
                                        {"op": "treatment", "mechanism": "Anti-EGFR"}]}
    with node.snapshot(FREEZE) as snap:   # the gate's (perturbed) figures for these patients, the same for any user
        shown = service.count(node.gate, "anyone", snap, definition)
        exact = cohort.evaluate(snap, definition)
    assert f"{shown['patients']} patients, {shown['samples']} samples" in text(r.text)
    assert abs(shown["patients"] - exact.patients) <= 3


def test_the_live_count_needs_the_pages_csrf_token(client):
    assert client.post("/cohorts/count", data=CRC_ANTI_EGFR).status_code == 403


def test_a_cohort_of_fewer_than_five_patients_is_refused_with_the_reason(client, node):
    with node.snapshot(FREEZE) as snap:
        sites = snap.table("sample").biopsy_site.value_counts().to_pyarrow().to_pylist()
        small = next(s["biopsy_site"] for s in sites if s["biopsy_site"] and
                     0 < cohort.evaluate(snap, {"op": "biopsy_site", "sites": [s["biopsy_site"]]}).patients < 5)
    r = client.post("/cohorts/count", data={"csrf": page_csrf(client), "biopsy_site": small, "freeze": FREEZE})
    assert 'role="alert"' in r.text and "fewer than 5 patients" in text(r.text)


def test_an_invalid_definition_is_explained_where_it_went_wrong(client):
    r = client.post("/cohorts/count", data={"csrf": page_csrf(client), "purity_min": "0.9", "purity_max": "0.1"})
    assert "min (0.9) is above max (0.1)" in text(r.text)
    r = client.post("/cohorts", data={"csrf": page_csrf(client), "name": "bad", "age_min": "old"})
    assert r.status_code == 422 and "age_min: 'old' is not a number" in text(r.text)


def test_saving_gives_a_shareable_url_that_others_open_on_the_same_freeze(client, node):
    cohort_id = save(client, "CRC on anti-EGFR", **CRC_ANTI_EGFR)
    kept = saved.load(node.store, cohort_id)
    assert kept.name == "CRC on anti-EGFR" and kept.freeze == FREEZE
    client.cookies.clear()  # someone else, with the link
    page = text(client.get(f"/cohorts/{cohort_id}").text)
    assert "CRC on anti-EGFR" in page and f"freeze {FREEZE}" in page and f"/cohorts/{cohort_id}" in page
    shown = int(re.search(r"(\d+) patients", page).group(1))   # the cohort's size, perturbed
    assert abs(shown - len(saved.evaluate(node.store, cohort_id).patient_ids)) <= 3


def test_a_saved_cohort_can_be_edited_as_a_copy(client):
    cohort_id = save(client, "MSI", msi_status="MSI", freeze=FREEZE)
    html = client.get(f"/cohorts?copy={cohort_id}").text
    box = html.split('id="definition_json"', 1)[1].split("</textarea>", 1)[0]
    assert "MSI (copy)" in html and json.loads(box.split(">", 1)[1]) == {"op": "msi", "status": ["MSI"]}


def test_an_unknown_cohort_id_is_a_404_that_says_so(client):
    r = client.get("/cohorts/000000000000", headers={"accept": "text/html"})
    assert r.status_code == 404 and "no saved cohort 000000000000" in r.text


def test_an_anonymous_visitor_keeps_one_gate_identity_for_the_session(client, node):
    client.get(f"/cohorts/{save(client, 'everyone', freeze=FREEZE)}")  # counts the whole database
    save(client, "women", sex="female", freeze=FREEZE)
    owners = {c.created_by for c in saved.list_cohorts(node.store)}
    assert len(owners) == 1 and next(iter(owners)).startswith("anonymous:")


def test_a_logged_in_researcher_is_known_to_the_gate_by_email(client, node):
    person = make_person(node, "ada@example.org")
    csrf = login(client, person)
    assert client.post("/cohorts/count", data={"csrf": csrf, "sex": "male", "freeze": FREEZE}).status_code == 200
    cohort_id = save(client, "men", sex="male", freeze=FREEZE)
    assert saved.load(node.store, cohort_id).created_by == "ada@example.org"
    assert "men" in text(client.get("/cohorts").text)  # listed under "Your saved cohorts"
