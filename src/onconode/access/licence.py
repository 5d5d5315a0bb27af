"""Licence agreements rendered to PDF, identified by their SHA-256.

The same inputs always give the same bytes (fixed creation date, no random ids), so a
licence's hash is a stable name for its content: each signature records the hash it was
given for, and issuing a changed document makes every earlier signature void.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from onconode.access.attachments import store_attachment
from onconode.access.identity import get_account
from onconode.access.organisations import PRIVACY_CONFIRMATIONS, get_organisation

# What a publication says, under the licence it was written under (rendered into the licence and the release README).
PUBLICATION_ACKNOWLEDGEMENT = (
    "This publication and/or presentation is based on data made available by {foundation}, "
    "which receives the data from the participating hospitals, under Data Access Request {dar}. "
    "We thank the patients who consented to the use of their data."
)

TEMPLATES = {
    "EEA": (
        "Licence Agreement for the use of data (EEA version)",
        "The Licensee is established in the European Economic Area. The Licensee processes the Data as an independent "
        "controller in accordance with the General Data Protection Regulation (EU) 2016/679.",
    ),
    "non-EEA": (
        "Licence Agreement for the use of data (non-EEA version)",
        "The Licensee is established outside the European Economic Area. The transfer of the Data is subject to the "
        "Standard Contractual Clauses adopted by the European Commission (Decision (EU) 2021/914), incorporated by reference, "
        "and to the privacy confirmations listed below.",
    ),
}
GENERAL_TERMS = (
    "1. The Data may be used only for the project described in the approved Data Access Request and only by the Download Contacts named in it.",
    "2. Only the data items listed in this Licence are provided; no attempt shall be made to identify any person.",
    "3. Access ends automatically at the end of the Term unless an extension is approved in writing.",
    "4. At the end of the Term the Licensee deletes the Data and confirms the deletion.",
    "5. Publications acknowledge {foundation} with the acknowledgement text below.",
)


def _text(value: Any) -> str:
    """fpdf2's core fonts are Latin-1; replace anything else rather than fail."""
    return str(value).encode("latin-1", "replace").decode("latin-1")


def render(fields: dict[str, Any]) -> bytes:
    """The licence PDF for `fields` (deterministic bytes for equal fields)."""
    # lazy: fpdf (~0.3 s to import) is needed only when a licence is rendered, not by every governance command
    from fpdf import FPDF

    title, preamble = TEMPLATES[fields["variant"]]
    pdf = FPDF(format="A4")
    pdf.set_creation_date(dt.datetime.fromisoformat(fields["issued"]))
    pdf.set_title(_text(f"{title} - {fields['dar']}"))
    pdf.set_producer("onconode")
    pdf.set_creator("onconode")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, _text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)

    def para(label: str, value: Any) -> None:
        pdf.set_font("Helvetica", "B", 10)
        pdf.multi_cell(0, 6, _text(label), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 5, _text(value), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    para("Data Access Request", f"{fields['dar']}: {fields['title']}")
    para("Parties", "\n".join(fields["parties"]))
    para("Preamble", preamble)
    para("Approved data items", "\n".join(f"- {i['table']}: {', '.join(i['columns'])}" for i in fields["items"]))
    para("Cohort and data freeze", f"cohort: {fields.get('cohort') or 'as approved'}; freeze: {fields.get('freeze') or 'the current freeze at release'}")
    para("Term", f"{fields['term_months']} months from the date of the last signature")
    if fields.get("obligations"):
        para("Data use obligations (DUO)", "\n".join(f"- {o}" for o in fields["obligations"]))
    if fields["variant"] == "non-EEA" and fields.get("privacy_confirmations"):
        para("Privacy confirmations given by the Licensee", "\n".join(f"- {c}" for c in fields["privacy_confirmations"]))
    para("General terms", "\n".join(t.format(foundation=fields["foundation"]) for t in GENERAL_TERMS))
    if fields.get("amendments"):
        para("Amendments", fields["amendments"])
    para("Publication acknowledgement", fields["acknowledgement"])
    para("Signatures", "Signed electronically by each party with multi-factor authentication; each signature is bound to the "
         f"SHA-256 of this document and recorded in the audit trail of {fields['foundation']}.")
    return bytes(pdf.output())


def licence_fields(ctx: Any) -> dict[str, Any]:
    app, form = ctx.app, ctx.app.form
    org = get_organisation(ctx.conn, form["licensee"])
    researcher = get_account(ctx.conn, app.applicant)
    issued = ctx.args.get("issued") or (app.decided_at or ctx.at).replace(microsecond=0).isoformat()
    return {
        "dar": app.id,
        "title": form.get("title", ""),
        "variant": org.licence_variant,
        "issued": issued,
        "parties": [
            f"Licensee: {org.name}, {org.country} ({org.sector})",
            f"Licensee signatory: {form.get('signatory_name') or ''} <{form['signatory_email']}>",
            f"Researcher: {researcher.full_name} <{researcher.email}>",
            f"Foundation: {ctx.gov.foundation}",
        ],
        "items": app.decision["items"],
        "cohort": form.get("cohort"),
        "freeze": form.get("freeze"),
        "term_months": app.decision["term_months"],
        "obligations": list(ctx.args.get("obligations") or []),
        "privacy_confirmations": list(PRIVACY_CONFIRMATIONS) if org.needs_privacy_confirmations else [],
        "amendments": ctx.args.get("amendments") or "",
        "foundation": ctx.gov.foundation,
        "acknowledgement": PUBLICATION_ACKNOWLEDGEMENT.format(foundation=ctx.gov.foundation, dar=app.id),
    }


def issue(ctx: Any) -> dict[str, Any]:
    """Render, store by hash, and describe the licence for the `licence_issued` event."""
    fields = licence_fields(ctx)
    pdf = render(fields)
    revision = 1 + sum(1 for _, t, _a in ctx.app.history if t == "licence_issued")
    doc = store_attachment(ctx.conn, f"{ctx.app.id}-licence-r{revision}.pdf", pdf, "application/pdf", ctx.at)
    return {"sha256": doc["sha256"], "variant": fields["variant"], "revision": revision, "filename": doc["filename"],
            "obligations": fields["obligations"], "amendments": fields["amendments"]}
