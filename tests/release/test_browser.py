"""End to end in headless Chromium: a download contact opens the release page, logs in
with password and authenticator code, downloads a file and it matches the manifest; a
colleague who is not a download contact sees no release."""

from __future__ import annotations

import hashlib
from typing import Iterator

import pytest

from onconode.interfaces.http.app import create_app

from tests.access.conftest import PASSWORD
from tests.conftest import served as serve_app
from tests.release.test_delivery import served  # noqa: F401  (fixture)


@pytest.fixture
def live(served) -> Iterator[tuple]:  # noqa: F811
    env, app_id, clock, node = served
    with serve_app(create_app(node)) as url:
        yield url, env, app_id, clock


def browser_login(page, base: str, person, clock) -> None:  # noqa: F811
    page.goto(f"{base}/releases")
    assert "/login" in page.url
    page.fill("#email", person.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    clock.tick()
    page.fill("#code", person.code(clock.at))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/releases")


def test_download_contact_logs_in_with_mfa_downloads_and_the_file_matches_the_manifest(live, page, tmp_path):  # noqa: F811
    base, env, app_id, clock = live
    browser_login(page, base, env.world.contact, clock)
    page.click(f"text={app_id}")
    page.wait_for_selector("#files")
    assert "sha256sum -c SHA256SUMS" in page.content()
    row = page.locator("#files tr", has_text="metadata.tsv")
    expected = row.locator("code").inner_text().strip()
    with page.expect_download() as info:
        row.locator("a").click()
    saved = tmp_path / "metadata.tsv"
    info.value.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == expected


def test_a_colleague_who_is_not_a_download_contact_sees_no_release(live, page):  # noqa: F811
    base, env, app_id, clock = live
    browser_login(page, base, env.world.other, clock)
    assert "No release is available to you now" in page.content()
    page.goto(f"{base}/releases/{app_id}")
    assert "no release" in page.content() and "that you may download" in page.content()
