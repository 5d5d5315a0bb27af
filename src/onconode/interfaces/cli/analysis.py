"""`onconode cohort …` and `onconode analyse …`: the researcher analyses on the node's
command line. Parse, call `onconode.analysis.service`, render (rich tables or --json).

The CLI runs on the node, usually as the data manager, but its output leaves the node as
easily as a web page does (a screenshot, a mail). So it is *controlled* like any
unlicensed view: the disclosure gate's user is "cli:<os user>", small cells show "<5",
and differencing is checked against that user's earlier CLI queries.
"""

from __future__ import annotations

import getpass
import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import typer
from rich.table import Table

from onconode.analysis import cohort, saved, service
from onconode.analysis.catalogue import choose_freeze
from onconode.analysis.cohort import CohortError
from onconode.analysis.disclosure import DisclosureRefused, Gate
from onconode.analysis.result_tables import cell_text, tables
from onconode.interfaces.cli.common import INVALID, fail, open_store, out, state
from onconode.store import StoreError

cohort_app = typer.Typer(no_args_is_help=True)  # its help: LazyGroups.lazy in main.py
analyse_app = typer.Typer(no_args_is_help=True)  # its help: LazyGroups.lazy in main.py

COHORT_HELP = "A cohort: a JSON file, inline JSON ('{\"op\": \"all\"}'), or a saved cohort id."
FREEZE = typer.Option(None, "--freeze", help="Data freeze (default: a saved cohort's freeze, else the newest).")
AS_JSON = typer.Option(False, "--json", help="Print the result as one JSON object.")


def cli_user() -> str:
    return f"cli:{getpass.getuser()}"




def _read_cohort(store: Any, text: str, where: str) -> tuple[dict[str, Any], str | None]:
    """A cohort argument as (definition, freeze of the saved cohort or None)."""
    if saved.COHORT_ID.match(text) and not Path(text).exists():
        try:
            kept = saved.load(store, text)
        except saved.CohortNotFound as exc:
            fail(f"{where}: {exc}", INVALID)
        return kept.definition, kept.freeze
    try:
        raw = json.loads(text) if text.lstrip().startswith("{") else json.loads(Path(text).read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"{where}: {text} is neither a file, inline JSON nor a saved cohort id (see `onconode cohort list`)", INVALID)
    except json.JSONDecodeError as exc:
        fail(f"{where}: {text} is not valid JSON ({exc})", INVALID)
    try:
        cohort.parse(raw)
    except cohort.CohortError as exc:
        fail(f"{where}: {exc}", INVALID)
    return raw, None


def _groups(store: Any, specs: list[str]) -> tuple[dict[str, dict[str, Any]], list[str | None]]:
    out, freezes = {}, []
    for spec in specs:
        name, sep, value = spec.partition("=")
        if not sep or not name.strip():
            fail(f"--group {spec!r}: write NAME=COHORT, e.g. --group 'MSI={{\"op\": \"msi\", \"status\": [\"MSI\"]}}'", INVALID)
        out[name.strip()], f = _read_cohort(store, value, f"group {name.strip()}")
        freezes.append(f)
    return out, freezes


@contextmanager
def _store() -> Iterator[Any]:
    with open_store(read_only=True) as store:
        yield store


def _run(store: Any, freeze: Optional[str], saved_on: list[str | None],
         compute: Callable[[Any, str, Any], dict[str, Any]]) -> dict[str, Any]:
    """Evaluate on the chosen freeze through the gate; domain refusals become clear errors."""
    try:
        snap = store.snapshot(choose_freeze(store, freeze, saved_on))
        result = compute(Gate.for_home(state.home), cli_user(), snap)
    except DisclosureRefused as exc:
        fail(f"refused by disclosure control: {exc}")
    except StoreError as exc:
        fail(str(exc))
    except (CohortError, ValueError) as exc:
        fail(str(exc), INVALID)
    result.update(freeze=snap.freeze, version=snap.version)
    return result


def _show(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    where = f"freeze {result['freeze']}" if result["freeze"] else f"store version {result['version']} (no freeze)"
    out.print(f"[bold]{result['analysis']}[/bold] on {where} — disclosure: {result['disclosure']}", highlight=False)
    for t in tables(result):
        rt = Table(title=t.name, title_justify="left")
        for c in t.columns:
            rt.add_column(c)
        for row in t.rows:
            rt.add_row(*(f"{v:.4g}" if isinstance(v, float) else cell_text(v) for v in row))  # --json has full precision
        out.print(rt)
    for key in ("orr", "fisher_p", "odds_ratio"):
        if isinstance(result.get(key), str):
            out.print(f"{key}: {result[key]}", highlight=False)
    for key in ("regression", "cox"):
        if isinstance(result.get(key), dict) and "withheld" in result[key]:
            out.print(f"{key} withheld: {result[key]['withheld']}", highlight=False)


# -- saved cohorts -------------------------------------------------------------------------
@cohort_app.command("save")
def cohort_save(name: str, cohort: str = typer.Argument(..., help=COHORT_HELP), freeze: Optional[str] = FREEZE) -> None:
    """Save a cohort definition under a name, pinned to a freeze; prints its id."""
    with _store() as store:
        definition, _ = _read_cohort(store, cohort, "cohort")
        try:
            kept = saved.save(store, name, definition, created_by=cli_user(), freeze=choose_freeze(store, freeze))
        except StoreError as exc:
            fail(str(exc))
    typer.echo(kept.cohort_id)


@cohort_app.command("show")
def cohort_show(cohort_id: str, as_json: bool = AS_JSON) -> None:
    """A saved cohort: name, freeze, who saved it, definition."""
    with _store() as store:
        try:
            kept = saved.load(store, cohort_id)
        except saved.CohortNotFound as exc:
            fail(str(exc))
    if as_json:
        typer.echo(json.dumps(kept.to_json(), indent=2))
        return
    typer.echo(f"{kept.cohort_id}  {kept.name}\nfreeze: {kept.freeze or '-'} (store version {kept.version})\n"
               f"saved by {kept.created_by} at {kept.created_at}\n{json.dumps(kept.definition, indent=2)}")


@cohort_app.command("list")
def cohort_list(everyone: bool = typer.Option(False, "--all", help="Every saved cohort on the node, not only yours."),
                as_json: bool = AS_JSON) -> None:
    """Saved cohorts (yours, i.e. saved from the CLI as this OS user, unless --all)."""
    with _store() as store:
        found = saved.list_cohorts(store, None if everyone else cli_user())
    if as_json:
        typer.echo(json.dumps([c.to_json() for c in found], indent=2))
        return
    t = Table("id", "name", "freeze", "saved by", "saved at")
    for c in found:
        t.add_row(c.cohort_id, c.name, c.freeze or "-", c.created_by, c.created_at)
    out.print(t)


# -- analyses ------------------------------------------------------------------------------
@analyse_app.command("count")
def count(cohort: str = typer.Argument(..., help=COHORT_HELP), freeze: Optional[str] = FREEZE, as_json: bool = AS_JSON) -> None:
    """Patients and samples in a cohort."""
    with _store() as store:
        d, f = _read_cohort(store, cohort, "cohort")
        _show(_run(store, freeze, [f], lambda g, u, s: service.count(g, u, s, d)), as_json)


@analyse_app.command("summary")
def summary(cohort: str = typer.Argument(..., help=COHORT_HELP), freeze: Optional[str] = FREEZE, as_json: bool = AS_JSON) -> None:
    """Tumour types, sex, age groups, biopsy sites; TMB, purity and ploidy distributions."""
    with _store() as store:
        d, f = _read_cohort(store, cohort, "cohort")
        _show(_run(store, freeze, [f], lambda g, u, s: service.summary(g, u, s, d)), as_json)


ALL_MUTATIONS = typer.Option(False, "--all-mutations", help="Count every passing mutation in a gene (silent, intronic, UTR ...), "
                                                              "not only the default non-silent coding and splice ones.")
INCLUDE_FAILED_QC = typer.Option(False, "--include-failed-qc", help="Count samples that failed QC (e.g. FAIL_NO_TUMOR) as profiled.")


@analyse_app.command("frequency")
def frequency(cohort: str = typer.Argument(..., help=COHORT_HELP),
              gene: list[str] = typer.Option([], "--gene", help="Gene to report (repeat; default every altered gene)."),
              kind: list[str] = typer.Option([], "--kind", help="MUTATION, AMP, DEL, FUSION, DRIVER or ANY (repeat)."),
              all_mutations: bool = ALL_MUTATIONS, include_failed_qc: bool = INCLUDE_FAILED_QC,
              freeze: Optional[str] = FREEZE, as_json: bool = AS_JSON) -> None:
    """Alteration frequency per gene and kind: altered / profiled samples."""
    with _store() as store:
        d, f = _read_cohort(store, cohort, "cohort")
        _show(_run(store, freeze, [f], lambda g, u, s: service.frequency(
            g, u, s, d, gene or None, [k.upper() for k in kind] or None, all_mutations=all_mutations,
            include_failed_qc=include_failed_qc)), as_json)


@analyse_app.command("oncoprint")
def oncoprint(cohort: str = typer.Argument(..., help=COHORT_HELP),
              gene: list[str] = typer.Option(..., "--gene", help="Gene (repeat)."),
              all_mutations: bool = ALL_MUTATIONS, include_failed_qc: bool = INCLUDE_FAILED_QC,
              freeze: Optional[str] = FREEZE, as_json: bool = AS_JSON) -> None:
    """OncoPrint of a gene list: alteration patterns and how many samples show each."""
    with _store() as store:
        d, f = _read_cohort(store, cohort, "cohort")
        _show(_run(store, freeze, [f], lambda g, u, s: service.oncoprint(g, u, s, d, gene, all_mutations, include_failed_qc)), as_json)


GROUP = typer.Option(..., "--group", help="NAME=COHORT (repeat; made disjoint in this order).")


@analyse_app.command("compare")
def compare(group: list[str] = GROUP, gene: list[str] = typer.Option([], "--gene", help="Gene (repeat; default all)."),
            kind: list[str] = typer.Option([], "--kind", help="Alteration kind (repeat; default ANY)."),
            all_mutations: bool = ALL_MUTATIONS, include_failed_qc: bool = INCLUDE_FAILED_QC,
            freeze: Optional[str] = FREEZE, as_json: bool = AS_JSON) -> None:
    """Compare groups: enriched alterations (Fisher / chi-squared with BH q-values) and clinical attributes."""
    with _store() as store:
        groups, fs = _groups(store, group)
        _show(_run(store, freeze, fs, lambda g, u, s: service.compare(
            g, u, s, groups, gene or None, [k.upper() for k in kind] or None, all_mutations=all_mutations,
            include_failed_qc=include_failed_qc)), as_json)


def _treatment(drug: Optional[str], drug_type: Optional[str], mechanism: Optional[str]) -> dict[str, Any] | None:
    t = {k: v for k, v in (("drug", drug), ("drug_type", drug_type), ("mechanism", mechanism)) if v}
    return t or None


DRUG = typer.Option(None, "--drug", help="Treatment: a drug name.")
DRUG_TYPE = typer.Option(None, "--drug-type", help="Treatment: a drug type (e.g. Immunotherapy).")
MECHANISM = typer.Option(None, "--mechanism", help="Treatment: a mechanism (e.g. Anti-EGFR).")


@analyse_app.command("response")
def response(cohort: str = typer.Argument(..., help=COHORT_HELP),
             biomarker: str = typer.Option(..., "--biomarker", help="Biomarker-positive patients: " + COHORT_HELP),
             drug: Optional[str] = DRUG, drug_type: Optional[str] = DRUG_TYPE, mechanism: Optional[str] = MECHANISM,
             covariate: list[str] = typer.Option([], "--covariate", help="tumour_type, age or purity (repeat; default all three)."),
             freeze: Optional[str] = FREEZE, as_json: bool = AS_JSON) -> None:
    """Biomarker vs treatment response: response table, ORR, Fisher, odds ratio, logistic regression."""
    treatment = _treatment(drug, drug_type, mechanism)
    if treatment is None:
        fail("say which treatment: --drug, --drug-type and/or --mechanism", INVALID)
    with _store() as store:
        d, f = _read_cohort(store, cohort, "cohort")
        b, fb = _read_cohort(store, biomarker, "biomarker")
        _show(_run(store, freeze, [f, fb], lambda g, u, s: service.biomarker_response(
            g, u, s, d, treatment, b, covariate or None)), as_json)


@analyse_app.command("survival")
def survival(group: list[str] = GROUP,
             endpoint: str = typer.Option("os", "--endpoint", help="os, time_on_treatment, time_to_progression, or a stored endpoint "
                                                             "such as given:OS / given:DFS / given:PFS (cBioPortal studies)."),
             drug: Optional[str] = DRUG, drug_type: Optional[str] = DRUG_TYPE, mechanism: Optional[str] = MECHANISM,
             cox_covariate: list[str] = typer.Option([], "--cox-covariate", help="age, sex or purity (repeat)."),
             left_truncation: bool = typer.Option(True, "--left-truncation/--from-biopsy",
                                                  help="OS from diagnosis with delayed entry at biopsy (default), or from the biopsy."),
             freeze: Optional[str] = FREEZE, as_json: bool = AS_JSON) -> None:
    """Kaplan-Meier per group, log-rank test, Cox model (times in days)."""
    with _store() as store:
        groups, fs = _groups(store, group)
        _show(_run(store, freeze, fs, lambda g, u, s: service.survival(
            g, u, s, groups, endpoint, _treatment(drug, drug_type, mechanism), left_truncation, cox_covariate or None)), as_json)
