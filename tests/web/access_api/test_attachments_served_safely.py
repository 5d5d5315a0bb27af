"""Stored XSS through attachments (issue 15 item 11): only PDF / PNG / JPEG are accepted,
judged by their bytes; every document goes out as a download of a safe type with nosniff,
including documents stored before types were checked."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from onconode.access import audit
from onconode.access.schema import attachment
from onconode.access.workflow import create, stream

from tests.access.conftest import T0, dar_form

HTML = b"<!doctype html><script>fetch('/api/applications', {method: 'POST'})</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"/>'
PDF = b"%PDF-1.7\nethics committee approval METC 2026-001"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def draft(world) -> str:
    return create(world.gov, "dar", world.applicant.id, at=T0, form=dar_form()).id


@pytest.mark.parametrize("name, content, claimed", [
    ("approval.html", HTML, "text/html"), ("approval.pdf", HTML, "application/pdf"),
    ("signature.svg", SVG, "image/svg+xml"), ("approval.js", b"alert(1)", "application/javascript"),
])
def test_html_svg_and_script_uploads_are_refused_naming_the_accepted_types(as_, world, draft, name, content, claimed):
    me = as_(world.applicant)
    r = me.post(f"/api/applications/{draft}/attachments", files={"file": (name, content, claimed)}, data={"kind": "ethics"})
    assert r.status_code == 400 and "PDF, PNG or JPEG" in r.json()["detail"]


def test_the_page_upload_refuses_them_too(as_, world, draft):
    me = as_(world.applicant)
    r = me.post(f"/access/applications/{draft}/form", files={"file": ("a.pdf", SVG, "application/pdf")},
                data={"csrf": me.headers["X-CSRF-Token"], "action": "attach"})
    assert r.status_code == 400 and "PDF, PNG or JPEG" in r.text


@pytest.mark.parametrize("content, served", [(PDF, "application/pdf"), (PNG, "image/png")])
def test_an_accepted_document_is_served_as_a_download_of_its_sniffed_type(as_, world, draft, content, served):
    me = as_(world.applicant)
    doc = me.post(f"/api/applications/{draft}/attachments", files={"file": ("approval; ü.pdf", content, "text/html")}).json()
    assert doc["media_type"] == served  # the sniffed type, not the claimed one
    for url in (f"/api/applications/{draft}/attachments/{doc['sha256']}", f"/access/applications/{draft}/documents/{doc['sha256']}"):
        r = as_(world.office).get(url)
        assert r.status_code == 200 and r.content == content
        assert r.headers["content-type"] == served and r.headers["x-content-type-options"] == "nosniff"
        disposition = r.headers["content-disposition"]
        assert disposition == "attachment; filename=\"approval_ _.pdf\"; filename*=UTF-8''approval%3B%20%C3%BC.pdf"


def test_an_html_file_stored_before_types_were_checked_is_served_as_an_inert_download(as_, world, draft, node):
    digest = hashlib.sha256(HTML).hexdigest()
    with node.gov.engine.begin() as conn:  # as an older version of the node stored it
        conn.execute(attachment.insert().values(sha256=digest, filename="approval.html", media_type="text/html", size=len(HTML),
                                                content=HTML, created_at=T0.replace(tzinfo=None)))
        audit.record(conn, stream(draft), world.applicant.id, T0, "attachment_added",
                     {"kind": "ethics", "sha256": digest, "filename": "approval.html", "size": len(HTML), "media_type": "text/html"})
    for url in (f"/api/applications/{draft}/attachments/{digest}", f"/access/applications/{draft}/documents/{digest}"):
        r = as_(world.office).get(url)
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/octet-stream"
        assert r.headers["content-disposition"].startswith("attachment;") and r.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in r.headers["content-security-policy"]
