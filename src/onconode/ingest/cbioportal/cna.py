"""Discrete copy-number calls (GISTIC-like -2..2), as a gene × sample matrix or in long form.

Only altered calls become gene_copy_number rows (HOMDEL, HETLOSS, GAIN, AMP): a WGS
matrix is ~20,000 genes per sample and nearly all zeros, and "profiled but diploid" is
already known from the `_cna` case list (tumor_profile.profiled). NA means "not
called" and is not stored either.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from onconode.ingest.cbioportal.common import id_problem
from onconode.ingest.problems import Problems
from onconode.ingest.compressed import TruncatedFile
from onconode.ingest.tsv import open_text, read_tsv, refuse_duplicate_columns, refuse_nul
from onconode.model import codes
from onconode.model.tables import GENE_COPY_NUMBER
from onconode.progress import Progress, silent

GENE_COLUMNS = ("Hugo_Symbol", "Entrez_Gene_Id", "Cytoband")
CALLS = codes.CNA_CALL_VALUES  # "-2" → HOMDEL ... "2" → AMP, and the legacy "-1.5"
ALLOWED = ", ".join(CALLS) + " or NA"
FAST = {**{v: (None if c == "DIPLOID" else c) for v, c in CALLS.items()}, "NA": None, "": None}
UNSEEN = object()


@dataclass
class CnaCalls:
    """Altered calls of one CNA file as columns, plus the samples the file covers."""

    sample_id: list[str] = field(default_factory=list)
    gene: list[str] = field(default_factory=list)
    cna_call: list[str] = field(default_factory=list)
    samples: set[str] = field(default_factory=set)
    entrez_only: int = 0

    def add(self, sample: str, gene: str, call: str) -> None:
        self.sample_id.append(sample)
        self.gene.append(gene)
        self.cna_call.append(call)

    def to_arrow(self) -> pa.Table:
        schema = GENE_COPY_NUMBER.arrow_schema
        names = ("sample_id", "gene", "cna_call")
        arrays = [pa.array(getattr(self, n), type=schema.field(n).type) for n in names]
        return pa.Table.from_arrays(arrays, names=list(names))


def _call(raw: str) -> tuple[bool, str | None]:
    """(valid, call): the call for a cell, None for NA / empty / diploid."""
    value = raw.strip()
    if value in CALLS:
        call = CALLS[value]
        return True, None if call == "DIPLOID" else call
    return value.upper() in ("NA", ""), None


def _check_sample(shown: str, line: int, sample: str, known: set[str] | None, problems: Problems) -> bool:
    why = id_problem(sample)
    if why:
        problems.error(shown, line, "Sample_Id", why)
        return False
    if known is not None and sample not in known:
        problems.error(shown, line, sample, f"sample {sample} is not in the clinical sample file",
                       "add the sample to the clinical sample file or remove it here")
        return False
    return True


def read_cna_matrix(path: Path, known: set[str] | None, problems: Problems, progress: Progress = silent) -> CnaCalls:
    """A wide discrete CNA file: Hugo_Symbol and/or Entrez_Gene_Id, then one column per sample."""
    result = CnaCalls()
    shown = str(path)
    try:
        fh = open_text(path)
    except TruncatedFile as exc:
        problems.error(shown, None, None, str(exc))
        return result
    except OSError as exc:
        problems.error(shown, None, None, f"cannot open the file ({exc.strerror})", "check the path and permissions")
        return result
    with fh, progress(f"CNA {path.name}", None) as advance:
        header: list[str] | None = None
        samples: list[tuple[int, str]] = []
        hugo = entrez = -1
        genes: dict[str, int] = {}
        line_no = 0
        try:
            for raw in fh:
                line_no += 1
                line = raw.rstrip("\r\n")
                if not refuse_nul(shown, line_no, line, problems, header):
                    if header is None or problems.full:
                        return result
                    continue
                if header is None:
                    if not line.strip() or line.startswith("#"):
                        continue
                    header = [h.strip() for h in line.split("\t")]
                    if not {"Hugo_Symbol", "Entrez_Gene_Id"} & set(header):
                        problems.error(shown, line_no, "Hugo_Symbol", "the header has neither Hugo_Symbol nor Entrez_Gene_Id",
                                       "the first columns of a CNA matrix name the gene")
                        return result
                    if not refuse_duplicate_columns(shown, line_no, [h if h in GENE_COLUMNS else "" for h in header], problems):
                        return result  # samples named twice are reported below, with their own message
                    hugo = header.index("Hugo_Symbol") if "Hugo_Symbol" in header else -1
                    entrez = header.index("Entrez_Gene_Id") if "Entrez_Gene_Id" in header else -1
                    first_seen: dict[str, int] = {}
                    for i, name in enumerate(header):
                        if name in GENE_COLUMNS:
                            continue
                        if name in first_seen:
                            problems.error(shown, line_no, name, f"sample {name} has two columns (columns {first_seen[name] + 1} and {i + 1})",
                                           "each sample may appear once in the matrix header")
                            continue
                        first_seen[name] = i
                        if _check_sample(shown, line_no, name, known, problems):
                            samples.append((i, name))
                    result.samples = {s for _, s in samples}
                    continue
                if not line.strip():
                    continue
                if problems.full:
                    return result
                cells = line.split("\t")
                if len(cells) != len(header):
                    problems.error(shown, line_no, None, f"{len(cells)} fields where the header has {len(header)}",
                                   "check for a missing or extra tab on this line")
                    continue
                gene = cells[hugo].strip() if hugo >= 0 else ""
                if not gene or gene.upper() == "NA":
                    if entrez >= 0 and cells[entrez].strip():
                        result.entrez_only += 1
                        continue
                    problems.error(shown, line_no, "Hugo_Symbol", "the row names no gene")
                    continue
                if gene in genes:
                    problems.warning(shown, line_no, "Hugo_Symbol", f"gene {gene} is listed again (first on line {genes[gene]}); this row is skipped")
                    continue
                genes[gene] = line_no
                for i, sample in samples:
                    call = FAST.get(cells[i], UNSEEN)  # the common exact spellings without strip/upper
                    if call is UNSEEN:
                        valid, call = _call(cells[i])
                        if not valid:
                            problems.error(shown, line_no, sample, f"{cells[i].strip()!r} is not a discrete copy-number value",
                                           f"use {ALLOWED}")
                            continue
                    if call is not None:
                        result.add(sample, gene, call)
                advance(1)
        except UnicodeDecodeError as exc:
            problems.error(shown, line_no + 1, None, f"the file is not valid UTF-8 text ({exc.reason})", "save it as UTF-8")
        except (EOFError, OSError, zlib.error) as exc:
            problems.error(shown, line_no + 1, None, f"the file is truncated or corrupt ({exc})", "copy it again from its source")
        if header is None:
            problems.error(shown, None, None, "the file has no header line", "is the file empty?")
    return result


def read_cna_long(path: Path, known: set[str] | None, problems: Problems, progress: Progress = silent) -> CnaCalls:
    """A long discrete CNA file: one row per (gene, sample) with Sample_Id and Value."""
    result = CnaCalls()
    shown = str(path)
    seen: dict[tuple[str, str], int] = {}
    with progress(f"CNA {path.name}", None) as advance:
        for line_no, row in read_tsv(path, problems, required=("Sample_Id", "Value"), comment="#"):
            if problems.full:
                break
            sample = row["Sample_Id"].strip()
            if not _check_sample(shown, line_no, sample, known, problems):
                continue
            result.samples.add(sample)
            gene = row.get("Hugo_Symbol", "").strip()
            if not gene or gene.upper() == "NA":
                if row.get("Entrez_Gene_Id", "").strip():
                    result.entrez_only += 1
                else:
                    problems.error(shown, line_no, "Hugo_Symbol", "the row names no gene", "give Hugo_Symbol")
                continue
            valid, call = _call(row["Value"])
            if not valid:
                problems.error(shown, line_no, "Value", f"{row['Value'].strip()!r} is not a discrete copy-number value", f"use {ALLOWED}")
                continue
            if (sample, gene) in seen:
                problems.error(shown, line_no, "Hugo_Symbol", f"{gene} in {sample} is given again (first on line {seen[sample, gene]})",
                               "give each gene of a sample one row")
                continue
            seen[sample, gene] = line_no
            if call is not None:
                result.add(sample, gene, call)
            advance(1)
    return result
