"""Case lists: which samples were profiled for what.

cBioPortal's frequency denominators come from here: a sample counts as profiled for
mutations when it is in `<study>_sequenced`, for copy number in `<study>_cna`, for
structural variants in `<study>_sv`. A sample without mutations in the MAF is still
"profiled, no mutation" when it is in the list — which the MAF alone cannot say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from onconode.ingest.cbioportal.confine import HINT, outside
from onconode.ingest.cbioportal.meta import parse_key_values
from onconode.ingest.problems import Problems

REQUIRED_FIELDS = ("cancer_study_identifier", "stable_id", "case_list_name", "case_list_description", "case_list_ids")
# Profile data type → the case list suffix that defines who was profiled for it.
PROFILE_SUFFIX = {"mutations": "_sequenced", "cna": "_cna", "structural_variants": "_sv"}


@dataclass(frozen=True)
class CaseList:
    path: Path
    stable_id: str
    samples: tuple[str, ...]
    line: int  # of case_list_ids, for locating unknown samples


@dataclass
class CaseLists:
    lists: dict[str, CaseList] = field(default_factory=dict)

    def by_suffix(self, study_id: str, suffix: str) -> CaseList | None:
        return self.lists.get(study_id + suffix)


def read_case_lists(root: Path, study_id: str | None, problems: Problems) -> CaseLists:
    """Every `case_lists/*.txt` of the study, checked like the validator checks them."""
    result = CaseLists()
    folder = root / "case_lists"
    if not folder.is_dir():
        return result
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.name.endswith("~"):
            continue
        why = outside(root, path)
        if why:
            problems.error(str(path), None, None, f"the case list {why}", HINT)
            continue
        parsed = parse_key_values(path, problems, what="case list")
        if parsed is None:
            continue
        fields, lines = parsed
        shown = str(path)
        missing = [k for k in REQUIRED_FIELDS if k not in fields]
        for key in missing:
            problems.error(shown, None, key, f"required field '{key}' is missing from the case list", f"add a line `{key}: ...`")
        if missing:
            continue
        stable_id = fields["stable_id"]
        if study_id and fields["cancer_study_identifier"] != study_id:
            problems.error(shown, lines["cancer_study_identifier"], "cancer_study_identifier",
                           f"cancer_study_identifier is {fields['cancer_study_identifier']!r} but meta_study says {study_id!r}")
            continue
        if study_id and not stable_id.startswith(study_id + "_"):
            problems.error(shown, lines["stable_id"], "stable_id", f"stable_id {stable_id!r} does not start with '{study_id}_'",
                           f"name it {study_id}_<suffix>, e.g. {study_id}_sequenced")
            continue
        if stable_id in result.lists:
            problems.error(shown, lines["stable_id"], "stable_id",
                           f"stable_id {stable_id} is also used by {result.lists[stable_id].path.name}", "give each case list its own stable_id")
            continue
        samples: list[str] = []
        seen: set[str] = set()
        twice: list[str] = []
        for sample in fields["case_list_ids"].split("\t"):
            sample = sample.strip()
            if not sample:
                continue
            if sample in seen:
                twice.append(sample)
                continue
            samples.append(sample)
            seen.add(sample)
        if twice:
            problems.warning(shown, lines["case_list_ids"], "case_list_ids",
                             f"{len(twice)} sample(s) are listed more than once: {', '.join(twice[:5])}{' ...' if len(twice) > 5 else ''}")
        if not samples:
            problems.error(shown, lines["case_list_ids"], "case_list_ids", "the case list names no samples",
                           "list the sample ids separated by tabs")
            continue
        result.lists[stable_id] = CaseList(path, stable_id, tuple(samples), lines["case_list_ids"])
    return result


def check_samples(case_lists: CaseLists, known: set[str], problems: Problems) -> None:
    """Every sample a case list names must be in the clinical sample file."""
    for case_list in case_lists.lists.values():
        unknown = [s for s in case_list.samples if s not in known]
        if unknown:
            shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
            problems.error(str(case_list.path), case_list.line, "case_list_ids",
                           f"{len(unknown)} sample(s) are not in the clinical sample file: {shown}",
                           "add them to the clinical sample file or remove them from the list")
