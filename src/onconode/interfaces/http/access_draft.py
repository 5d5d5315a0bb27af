"""The application form as it is filled in: saved as you go, attachments in the same form,
and problems shown next to their fields.

- A DAR gets its number on its FIRST SAVE (`POST /access/new/dar`), not when the empty form
  is opened: an opened-and-abandoned form spends no number. After that the form posts to
  its application (`/access/applications/{id}/form`).
- static/access-form.js saves a moment after each change (`action=autosave`, answered in JSON);
  without it, Save, Attach and Submit post the whole form.
- Attaching a document posts the whole form too (multipart), so what was typed is saved
  with the document instead of being lost to a second form.
- Submitting an incomplete form answers 422 with every problem in plain words beside its
  field (the domain's `FormIncomplete.problems`, mapped by interfaces/http/access_field_errors.py).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from onconode.access.attachments import MAX_BYTES
from onconode.access.db import GovernanceError
from onconode.access.forms import FormIncomplete
from onconode.access.identity import Account
from onconode.access.organisations import PRIVACY_CONFIRMATIONS
from onconode.access.workflow import Denied, create, execute
from onconode.interfaces.http.access_applications import (
    application_page,
    form_page_context,
    open_application,
    patients_of,
)
from onconode.interfaces.http.access_field_errors import field_errors, sentence
from onconode.interfaces.http.access_forms import clinical_fields, dar_fields
from onconode.interfaces.http.application_limits import count_new_application
from onconode.interfaces.http.session import csrf_protect, node_of, require_account
from onconode.interfaces.http.templating import render

router = APIRouter(include_in_schema=False)
Actor = Annotated[Account, Depends(require_account)]

def _upload(form: Any) -> UploadFile | None:
    file = form.get("file")
    return file if isinstance(file, UploadFile) and file.filename else None


def _blank_dar(request: Request, actor: Account, status_code: int = 200, error: str | None = None, form: dict | None = None) -> Response:
    draft = SimpleNamespace(id=None, kind="dar", form=form or {}, attachments=[], state="draft")
    ctx = form_page_context(request, draft)
    return render(request, "access/new_dar.html", status_code=status_code, error=error, app=draft, **ctx)


@router.get("/access/new/dar")
def new_dar_form(request: Request, actor: Actor) -> Response:
    """An empty DAR form; nothing is created until it is first saved."""
    return _blank_dar(request, actor)


@router.post("/access/new/dar", dependencies=[Depends(csrf_protect)])
async def first_save(request: Request, actor: Actor) -> Response:
    """The first save of a DAR: it now gets its number (and counts against the new-application limit)."""
    return await _save(request, None, actor)


@router.post("/access/applications/{app_id}/form", dependencies=[Depends(csrf_protect)])
async def save_form(request: Request, app_id: str, actor: Actor) -> Response:
    """Save the draft; with action=attach attach the chosen file too, with action=submit submit it."""
    return await _save(request, app_id, actor)


async def _save(request: Request, app_id: str | None, actor: Account) -> Response:
    node = node_of(request)
    form = await request.form()
    action = str(form.get("action") or "save")
    kind = "dar" if app_id is None else open_application(request, app_id, actor)[0].kind
    fields = dar_fields(form, len(PRIVACY_CONFIRMATIONS)) if kind == "dar" else clinical_fields(form)
    upload = _upload(form)
    filename = ""
    try:
        if app_id is None:
            if not _typed(fields) and upload is None:
                return _refuse(request, None, actor, action, 422, "Nothing to save yet: type at least a project title first.", fields)
            count_new_application(request, actor)
            app_id = create(node.gov, "dar", actor.id, at=node.now(), form=fields).id
        else:
            execute(node.gov, app_id, "save_draft", actor.id, at=node.now(), fields=fields)
        if upload is not None:
            content = await upload.read(MAX_BYTES + 1)
            filename = upload.filename or "attachment"
            execute(node.gov, app_id, "attach", actor.id, at=node.now(), filename=filename, content=content,
                    media_type=upload.content_type or "application/octet-stream", kind=str(form.get("kind") or "ethics"))
        if action == "submit":
            app = open_application(request, app_id, actor)[0]
            extra = {"patients_of": patients_of(request, app.form.get("freeze"))} if app.kind == "clinical" else {}
            execute(node.gov, app_id, "submit", actor.id, at=node.now(), **extra)
    except FormIncomplete as exc:
        return _refuse(request, app_id, actor, action, 422, None, fields, field_errors(exc.problems, fields))
    except GovernanceError as exc:
        status = 403 if isinstance(exc, Denied) else 400
        return _refuse(request, app_id, actor, action, status, str(exc), fields, {"file": [sentence(str(exc))]} if upload else None)
    if action == "autosave":
        return JSONResponse({"id": app_id, "url": f"/access/applications/{app_id}", "form_url": f"/access/applications/{app_id}/form",
                             "saved_at": node.now().strftime("%H:%M:%S")})
    done = "submit" if action == "submit" else ("attach" if filename else "save")
    query = {"done": done, **({"file": filename} if filename else {})}
    return RedirectResponse(f"/access/applications/{app_id}?{urlencode(query)}", status_code=303)


def _typed(fields: dict[str, Any]) -> bool:
    """Whether anything was typed or chosen (the purpose's fixed genetic_study flag is not)."""
    purpose = {k: v for k, v in (fields.get("purpose") or {}).items() if k != "genetic_study"}
    rest = {k: v for k, v in fields.items() if k != "purpose"}
    return any(bool(v) for v in rest.values()) or any(bool(v) for v in purpose.values())


def _refuse(request: Request, app_id: str | None, actor: Account, action: str, status: int, error: str | None,
            fields: dict[str, Any], errors: dict[str, list[str]] | None = None) -> Response:
    if action == "autosave":
        return JSONResponse({"detail": error or "the form has problems"}, status_code=status)
    if app_id is None:
        return _blank_dar(request, actor, status_code=status, error=error, form=fields)
    return application_page(request, app_id, actor, status_code=status, error=error, field_errors=errors)
