"""End to end in headless Chromium: a researcher builds a colorectal / anti-EGFR cohort,
compares KRAS-mutant with the rest, sees the planted anti-EGFR resistance as significant,
and reads a Kaplan–Meier plot drawn by vega-embed with its at-risk table."""

from __future__ import annotations

import re
from types import SimpleNamespace

from playwright.sync_api import expect

from onconode.analysis import service
from tests.web.conftest import FREEZE, SCREENSHOTS


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"portal-{name}.png"), full_page=True)


def test_researcher_builds_a_cohort_compares_kras_and_sees_survival(live_server, page, node):
    definition = {"op": "and", "args": [{"op": "tumour_location", "locations": ["Colorectum"]},
                                        {"op": "treatment", "mechanism": "Anti-EGFR"}]}
    with node.snapshot(FREEZE) as snap:   # the same patients give the same perturbed figures to any user
        shown = service.count(node.gate, "anyone", snap, definition)
    expected = SimpleNamespace(patients=shown["patients"], samples=shown["samples"])
    page.goto(f"{live_server}/cohorts")
    page.select_option("#tumour_location", "Colorectum")
    page.select_option("#mechanism", "Anti-EGFR")
    expect(page.locator("#live-count")).to_contain_text(f"{expected.patients} patients, {expected.samples} samples")
    shot(page, "1-builder")

    page.focus("#name")  # keyboard only: type the name, Enter submits
    page.keyboard.type("CRC on anti-EGFR")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cohorts/[a-z0-9]{12}$"))
    expect(page.locator("h1")).to_have_text("CRC on anti-EGFR")
    expect(page.locator("#cohort-count")).to_contain_text(f"{expected.patients} patients")

    page.get_by_role("link", name="Group comparison").first.click()
    page.fill("#gene", "KRAS")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#t-enrichment tbody tr").first).to_contain_text("KRAS")
    expect(page.locator("#chart-compare svg.marks")).to_be_visible()
    shot(page, "2-compare-kras")

    page.get_by_role("link", name="Treatment response").first.click()
    page.select_option("#mechanism", "Anti-EGFR")
    page.fill("#gene", "KRAS")
    page.get_by_role("button", name="Analyse response").click()
    expect(page.locator("#fisher")).to_contain_text("significant at 0.05")
    expect(page.locator("#chart-orr svg.marks")).to_be_visible()
    shot(page, "3-response-anti-egfr")

    page.get_by_role("link", name="Survival").first.click()
    page.select_option("#split", "1")
    page.fill("#gene", "KRAS")
    page.get_by_role("button", name="Show survival").click()
    km = page.locator("#chart-km svg.marks")
    expect(km).to_be_visible()
    assert km.locator("path").count() > 2  # curves and confidence bands drawn
    expect(page.locator("#t-at-risk")).to_contain_text("KRAS mutation")
    expect(page.locator("#t-at-risk")).to_contain_text("rest of the cohort")
    shot(page, "4-survival-km")

    with page.expect_download() as png:
        page.click('button[data-export="png"][data-chart="chart-km"]')
    assert png.value.suggested_filename == "chart-km.png"
    with page.expect_download() as tsv:
        page.click('button.tsv[data-table="t-at-risk"]')
    lines = open(tsv.value.path(), encoding="utf-8").read().splitlines()
    assert lines[0].startswith("group\t") and lines[1].startswith("KRAS mutation\t")
