"""The cohort builder form, turned into the JSON filter tree of `analysis.cohort`.

The form has one fieldset per criterion (tumour, biopsy site, sex, age, treatment, best
response, two gene alterations, TMB / MSI / HRD / WGD, purity); a filled-in criterion
becomes one leaf, its "exclude" box wraps it in NOT, and the leaves are combined with
AND ("all of") or OR ("any of"). Anything the form cannot say (nested groups) goes in the
JSON box, which wins when filled in. Validation stays in `cohort.parse`, so the form and
the API refuse the same things with the same messages.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Mapping

from onconode.analysis import cohort
from onconode.analysis.queries import Snapshot

Form = Mapping[str, Any]
GENE_ROWS = (1, 2)
ALTERATIONS = ("mutation", "amplification", "deletion", "fusion", "driver", "any")
RESPONSES = ("CR", "PR", "SD", "PD", "NE", "CLINICAL_PROGRESSION")


def _list(form: Form, key: str) -> list[str]:
    getlist = getattr(form, "getlist", None)
    values = getlist(key) if getlist else ([form[key]] if key in form else [])
    out: list[str] = []
    for v in values:
        out += [x.strip() for x in str(v).split(",") if x.strip()]
    return out


def _text(form: Form, key: str) -> str | None:
    v = form.get(key)
    return str(v).strip() or None if v is not None else None


def _number(form: Form, key: str) -> float | None:
    v = _text(form, key)
    if v is None:
        return None
    try:
        return float(v)
    except ValueError:
        raise cohort.CohortError(f"the cohort definition is not valid:\n  {key}: {v!r} is not a number") from None


def _range(op: str, form: Form, prefix: str, **extra: Any) -> dict[str, Any] | None:
    lo, hi = _number(form, f"{prefix}_min"), _number(form, f"{prefix}_max")
    return None if lo is None and hi is None else {"op": op, "min": lo, "max": hi, **extra}


def _tumour(form: Form) -> dict[str, Any] | None:
    if doids := _list(form, "doid"):
        return {"op": "tumour_type", "doids": doids}
    if locs := _list(form, "tumour_location"):
        return {"op": "tumour_location", "locations": locs}
    return None


def _treatment_fields(form: Form) -> dict[str, Any]:
    t = {k: _text(form, k) for k in ("drug", "drug_type", "mechanism")}
    for k in ("line_min", "line_max"):
        n = _number(form, k)
        t[k] = None if n is None else int(n)
    return {k: v for k, v in t.items() if v is not None}


def _treatment(form: Form) -> dict[str, Any] | None:
    t = _treatment_fields(form)
    return {"op": "treatment", **t} if t else None


def _best_response(form: Form) -> dict[str, Any] | None:
    values = _list(form, "best_response")
    if not values:
        return None
    t = _treatment_fields(form)
    return {"op": "best_response", "values": values, **({"treatment": t} if t else {})}


def _gene(i: int) -> Callable[[Form], dict[str, Any] | None]:
    def leaf(form: Form) -> dict[str, Any] | None:
        gene = _text(form, f"gene_{i}")
        if gene is None:
            return None
        out: dict[str, Any] = {"op": "gene_altered", "gene": gene.upper(), "alteration": _text(form, f"alteration_{i}") or "any"}
        if form.get(f"hotspot_{i}"):
            out["hotspot"] = True
        if pc := _text(form, f"protein_change_{i}"):
            out["protein_change"] = pc
        return out
    return leaf


def _status(op: str, key: str, as_list: bool = True) -> Callable[[Form], dict[str, Any] | None]:
    def leaf(form: Form) -> dict[str, Any] | None:
        values = _list(form, key)
        if not values:
            return None
        return {"op": op, "status": values if as_list else values[0]}
    return leaf


def _wgd(form: Form) -> dict[str, Any] | None:
    v = _text(form, "wgd")
    return None if v is None else {"op": "wgd", "value": v == "yes"}


# (criterion name used for its "exclude" box, how to read it)
CRITERIA: tuple[tuple[str, Callable[[Form], dict[str, Any] | None]], ...] = (
    ("tumour", _tumour),
    ("biopsy_site", lambda f: {"op": "biopsy_site", "sites": v} if (v := _list(f, "biopsy_site")) else None),
    ("sex", lambda f: {"op": "sex", "values": v} if (v := _list(f, "sex")) else None),
    ("age", lambda f: _range("age_at_biopsy", f, "age")),
    ("treatment", _treatment),
    ("best_response", _best_response),
    *((f"gene_{i}", _gene(i)) for i in GENE_ROWS),
    ("tmb", _status("tmb", "tmb_status", as_list=False)),
    ("msi", _status("msi", "msi_status")),
    ("hrd", _status("hrd", "hrd_status")),
    ("wgd", _wgd),
    ("purity", lambda f: _range("purity", f, "purity")),
)


def definition_from_form(form: Form) -> dict[str, Any]:
    """The filter tree the form describes (validated), or the JSON box's tree."""
    raw = _text(form, "definition_json")
    if raw:
        try:
            return cohort.to_json(json.loads(raw))
        except json.JSONDecodeError as exc:
            raise cohort.CohortError(f"the cohort definition is not valid:\n  JSON box: {exc}") from None
    leaves = []
    for name, read in CRITERIA:
        leaf = read(form)
        if leaf is None:
            continue
        if name == "treatment" and _list(form, "best_response"):
            continue  # the treatment fields qualify the best-response criterion instead
        leaf = {k: v for k, v in leaf.items() if v is not None}
        leaves.append({"op": "not", "arg": leaf} if form.get(f"not_{name}") else leaf)
    if not leaves:
        return {"op": "all"}
    tree = leaves[0] if len(leaves) == 1 else {"op": "or" if form.get("combine") == "or" else "and", "args": leaves}
    return cohort.to_json(tree)


def choices(snap: Snapshot) -> dict[str, list[str]]:
    """Values present in the data, for the form's menus (so a user picks, not guesses)."""
    def distinct(table: str, column: str) -> list[str]:
        t = snap.table(table)
        return sorted(v for v in t.select(column).distinct().to_pyarrow()[column].to_pylist() if v)

    return {"tumour_location": distinct("sample", "primary_tumor_location"), "biopsy_site": distinct("sample", "biopsy_site"),
            "mechanism": distinct("treatment_drug", "mechanism"), "drug": distinct("treatment_drug", "drug"),
            "drug_type": distinct("treatment_drug", "type")}
