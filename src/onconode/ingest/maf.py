"""MAF (GDC / cBioPortal mutation files) → somatic_variant.

Coordinates: a MAF row keeps its Start_Position and its alleles, with '-' for the empty
allele of an indel (MAF style), because adding the VCF anchor base needs the reference
sequence, which a node does not have to hold. SNVs and MNVs are identical in both styles;
for an insertion Start_Position is the base before the inserted bases (= VCF POS), for a
deletion it is the first deleted base (= VCF POS + 1). docs/ingest-vcf-maf.md says more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onconode.ingest import genome
from onconode.ingest.problems import Problems
from onconode.ingest.report import IngestReport
from onconode.ingest.tsv import read_tsv
from onconode.ingest.values import to_arrow
from onconode.model import codes
from onconode.model.tables import SOMATIC_VARIANT, TUMOR_PROFILE
from onconode.progress import Progress, silent
from onconode.store import Store
from onconode.store.transaction import IngestTransaction

# Hugo_Symbol is required: without it every mutation would load with no gene, and every gene
# query, frequency and OncoPrint would silently leave the file's samples out.
REQUIRED = ("Hugo_Symbol", "Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2", "Tumor_Sample_Barcode")
MISSING_HINT = ("a MAF names each mutation's gene in Hugo_Symbol (and its position in Chromosome, Start_Position ...); "
                "add the missing column(s), e.g. by annotating the file again with vcf2maf or VEP")
ALLELE = re.compile(r"^([ACGTNacgtn]+|-)$")
CODING_BY_CLASS = {
    "Missense_Mutation": "MISSENSE", "In_Frame_Del": "MISSENSE", "In_Frame_Ins": "MISSENSE",
    "Nonsense_Mutation": "NONSENSE_OR_FRAMESHIFT", "Frame_Shift_Del": "NONSENSE_OR_FRAMESHIFT",
    "Frame_Shift_Ins": "NONSENSE_OR_FRAMESHIFT", "Nonstop_Mutation": "NONSENSE_OR_FRAMESHIFT",
    "Translation_Start_Site": "NONSENSE_OR_FRAMESHIFT", "Splice_Site": "SPLICE", "Silent": "SYNONYMOUS",
}


@dataclass
class MafLoad:
    rows: int
    samples: set[str] = field(default_factory=set)
    ref_genome: str | None = None


def _value(row: dict[str, str], *names: str) -> str | None:
    for name in names:
        v = (row.get(name) or "").strip()
        if v and v.upper() not in ("NA", ".", "[NOT AVAILABLE]"):
            return v
    return None


def _count(row: dict[str, str], name: str, shown: str, line: int, problems: Problems) -> int | None:
    v = _value(row, name)
    if v is None:
        return None
    if not v.isdigit():
        problems.error(shown, line, name, f"{v!r} is not a read count", "use a whole number or leave it empty")
        return None
    return int(v)


def _convert(row: dict[str, str], line: int, shown: str, build: str, problems: Problems) -> dict[str, Any] | None:
    chrom = _value(row, "Chromosome") or ""
    start = _value(row, "Start_Position") or ""
    ref = (_value(row, "Reference_Allele") or "").upper()
    a1, a2 = (_value(row, "Tumor_Seq_Allele1") or "").upper(), (_value(row, "Tumor_Seq_Allele2") or "").upper()
    alt = a2 if a2 and a2 != ref else a1
    ok = True
    if _value(row, "Tumor_Sample_Barcode") is None:
        problems.error(shown, line, "Tumor_Sample_Barcode", "the row names no sample", "give the tumour sample id of the mutation")
        ok = False
    if not start.isdigit() or int(start) < 1:
        problems.error(shown, line, "Start_Position", f"{start!r} is not a positive whole number", "MAF positions are 1-based")
        ok = False
    for name, allele in (("Reference_Allele", ref), ("Tumor_Seq_Allele2", alt)):
        if not ALLELE.match(allele):
            problems.error(shown, line, name, f"allele {allele!r} is not bases (A, C, G, T, N) or '-'", "fix the allele")
            ok = False
    if ok and alt == ref:
        problems.error(shown, line, "Tumor_Seq_Allele2", "the tumour allele equals the reference allele", "is this a somatic mutation?")
        ok = False
    if not ok:
        return None
    where = genome.check_position(chrom, int(start), build)
    if where:
        problems.error(shown, line, "Chromosome" if "contig" in where else "Start_Position", where, f"is the file on {build}?")
        return None
    cls = _value(row, "Variant_Classification")
    if cls is not None and cls not in codes.VARIANT_CLASSIFICATIONS:
        problems.error(shown, line, "Variant_Classification", f"{cls!r} is not a MAF classification",
                       f"use one of {', '.join(codes.VARIANT_CLASSIFICATIONS[:6])}, ...")
        return None
    t_alt = _count(row, "t_alt_count", shown, line, problems)
    t_ref = _count(row, "t_ref_count", shown, line, problems)
    depth = _count(row, "t_depth", shown, line, problems)
    total = depth if depth is not None else (t_alt + t_ref if t_alt is not None and t_ref is not None else None)
    hgvsc = _value(row, "HGVSc")
    mtype = "INDEL" if "-" in (ref, alt) or len(ref) != len(alt) else ("SNP" if len(ref) == 1 else "MNP")
    return {
        "sample_id": _value(row, "Tumor_Sample_Barcode"), "chromosome": genome.canonical_contig(chrom), "position": int(start), "ref": ref, "alt": alt,
        "type": mtype, "filter": _value(row, "FILTER"), "gene": _value(row, "Hugo_Symbol"),
        "transcript": _value(row, "Transcript_ID"), "canonical_effect": _value(row, "Consequence"),
        "coding_effect": CODING_BY_CLASS.get(cls or "", "NONE") if cls else None,
        "hgvs_coding": hgvsc.split(":", 1)[-1] if hgvsc else None,
        "hgvs_protein": _value(row, "HGVSp_Short", "HGVSp"), "variant_classification": cls,
        "default_filtered": codes.is_default_filtered(cls, _value(row, "Hugo_Symbol")),
        "allele_read_count": t_alt, "total_read_count": total,
        "vaf": t_alt / total if t_alt is not None and total else None,
    }


def _build(row: dict[str, str], argument: str | None, shown: str, line: int, problems: Problems) -> str | None:
    declared = _value(row, "NCBI_Build")
    from_row = genome.normalize_ref_genome(declared) if declared else None
    if declared and from_row is None:
        problems.error(shown, line, "NCBI_Build", f"{declared!r} is not a build we know", "use GRCh37 or GRCh38")
    if argument and from_row and argument != from_row:
        problems.error(shown, line, "NCBI_Build", f"NCBI_Build is {from_row} but --ref-genome says {argument}", "check the file's build")
    return argument or from_row


def load_maf(tx: IngestTransaction, path: Path, *, ref_genome: str | None, problems: Problems, progress: Progress = silent,
             sample_ids: set[str] | None = None) -> MafLoad:
    """Write the mutations of every sample in a MAF into an open transaction; the caller raises on problems.

    `sample_ids`, when given, is the set of samples the study knows; a row of any other sample is an error.
    """
    path, shown = Path(path), str(path)
    wanted = genome.normalize_ref_genome(ref_genome) if ref_genome else None
    if ref_genome and wanted is None:
        problems.error(shown, None, None, f"--ref-genome {ref_genome!r} is not a build we know", "use GRCh37 or GRCh38")
        return MafLoad(0)
    rows: list[dict[str, Any]] = []
    seen: dict[tuple, int] = {}
    build: str | None = wanted
    with progress(f"reading {path.name}", None) as advance:
        for line, row in read_tsv(path, problems, required=REQUIRED, comment="#", missing_hint=MISSING_HINT):
            advance(1)
            row_build = _build(row, wanted, shown, line, problems)
            if row_build is None:
                problems.error(shown, line, "NCBI_Build", "the row does not say its reference genome", "pass --ref-genome GRCh37 or GRCh38")
                continue
            if build is None:
                build = row_build
            elif row_build != build:
                problems.error(shown, line, "NCBI_Build", f"{row_build} after earlier rows on {build}", "one file, one build")
                continue
            rec = _convert(row, line, shown, build, problems)
            if rec is None:
                continue
            if sample_ids is not None and rec["sample_id"] not in sample_ids:
                problems.error(shown, line, "Tumor_Sample_Barcode", f"sample {rec['sample_id']!r} is not in the study",
                               "add it to the clinical sample file or remove its mutations")
                continue
            key = (rec["sample_id"], rec["chromosome"], rec["position"], rec["ref"], rec["alt"])
            if key in seen:
                problems.error(shown, line, None, f"duplicate mutation {key[1]}:{key[2]} {key[3]}>{key[4]} of {key[0]} (first on line {seen[key]})",
                               "each mutation may appear once per sample")
                continue
            seen[key] = line
            rows.append(rec)
            if problems.full:
                break
    geneless = [r for r in rows if r["gene"] is None]
    if geneless:
        problems.warning(shown, None, "Hugo_Symbol", f"{len(geneless)} of {len(rows)} mutation(s) name no gene (Hugo_Symbol empty or NA); "
                         "they load without a gene, so gene queries do not count them", "fill in Hugo_Symbol where the mutation is in a gene")
    samples = {r["sample_id"] for r in rows}
    if problems.errors:
        return MafLoad(0, samples, build)
    n = tx.replace("somatic_variant", to_arrow(SOMATIC_VARIANT, rows), owners=samples)
    return MafLoad(n, samples, build)


def ingest_maf(store: Store, path: Path, *, ref_genome: str | None, progress: Progress = silent) -> IngestReport:
    """A MAF as one store version; samples seen for the first time get a tumor_profile with their build."""
    problems = Problems()
    report = IngestReport(source=f"maf:{Path(path).name}")
    with store.transaction(report.source, f"MAF {Path(path).name}") as tx:
        load = load_maf(tx, Path(path), ref_genome=ref_genome, problems=problems, progress=progress)
        problems.raise_if_errors()
        known = dict(tx.con.execute(
            'SELECT sample_id, ref_genome FROM tumor_profile WHERE "_removed" IS NULL AND sample_id IN (SELECT unnest(?::VARCHAR[]))',
            [sorted(load.samples)]).fetchall())
        for sid, build in sorted(known.items()):
            if build != load.ref_genome:
                problems.error(str(path), None, "NCBI_Build", f"sample {sid} is already in the store on {build}, this file is on {load.ref_genome}",
                               "a sample has one build; lift the file over first")
        problems.raise_if_errors()
        new = [{"sample_id": s, "ref_genome": load.ref_genome, "pipeline": "MAF"} for s in sorted(load.samples - set(known))]
        report.rows["somatic_variant"] = load.rows
        if new:
            report.rows["tumor_profile"] = tx.replace("tumor_profile", to_arrow(TUMOR_PROFILE, new))
    report.version = tx.version
    report.samples = sorted(load.samples)
    report.warnings.extend(tx.warnings)
    report.problems.extend(problems.warnings)
    return report
