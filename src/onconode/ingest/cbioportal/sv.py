"""Structural variants in cBioPortal's SV format → structural_variant, and fusion where two genes meet.

Site1 is the 5' partner and Site2 the 3' partner (cBioPortal's convention, e.g.
Site1 EML4, Site2 ALK), so a row naming two different genes is also a fusion
`SITE1_SITE2`. Germline SVs are counted and skipped: the model's SV table is somatic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from onconode.ingest.cbioportal.common import id_problem, is_null
from onconode.ingest.genome import canonical_contig, check_position, normalize_ref_genome
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import read_tsv
from onconode.progress import Progress, silent

CLASS_TO_TYPE = {
    "DELETION": "DEL", "DUPLICATION": "DUP", "INSERTION": "INS", "INVERSION": "INV", "TRANSLOCATION": "BND",
    "TANDEM_DUPLICATION": "DUP",
}
FRAME = {"in-frame": "INFRAME", "inframe": "INFRAME", "frameshift": "OUT_OF_FRAME", "out-of-frame": "OUT_OF_FRAME"}
SV_STATUS = ("SOMATIC", "GERMLINE")


@dataclass
class SvLoad:
    variants: list[dict] = field(default_factory=list)
    fusions: list[dict] = field(default_factory=list)
    samples: set[str] = field(default_factory=set)
    germline: int = 0


def _cell(row: dict[str, str], name: str) -> str | None:
    raw = row.get(name)
    return None if raw is None or is_null(raw) else raw.strip()


def _position(shown: str, line: int, row: dict[str, str], site: str, ref_genome: str, problems: Problems) -> tuple[str | None, int | None]:
    """(contig in the store's spelling, position) of one site; an unknown contig or a bad position is a problem."""
    chrom, pos = _cell(row, f"{site}_Chromosome"), _cell(row, f"{site}_Position")
    if pos is not None and (not pos.isdigit() or int(pos) < 1):
        problems.error(shown, line, f"{site}_Position", f"{pos!r} is not a position (a whole number from 1)")
        pos = None
    if chrom is None:
        return None, int(pos) if pos is not None else None
    why = check_position(chrom, 1, ref_genome) or (check_position(chrom, int(pos), ref_genome) if pos is not None else None)
    if why:
        column = f"{site}_Chromosome" if "contig" in why else f"{site}_Position"
        problems.error(shown, line, column, why, "check the study's reference_genome and the coordinates")
    return canonical_contig(chrom), int(pos) if pos is not None else None


def read_sv(path: Path, known: set[str] | None, ref_genome: str, problems: Problems, progress: Progress = silent) -> SvLoad:
    """Every row of an SV file, checked; the SV ids are the row's order within its sample."""
    result = SvLoad()
    shown = str(path)
    per_sample: dict[str, int] = {}
    fusion_keys: set[tuple[str, str]] = set()
    with progress(f"SV {path.name}", None) as advance:
        for line, row in read_tsv(path, problems, required=("Sample_Id", "SV_Status"), comment="#"):
            if problems.full:
                break
            advance(1)
            sample = row["Sample_Id"].strip()
            why = id_problem(sample)
            if why:
                problems.error(shown, line, "Sample_Id", why)
                continue
            if known is not None and sample not in known:
                problems.error(shown, line, "Sample_Id", f"sample {sample} is not in the clinical sample file",
                               "add the sample to the clinical sample file or remove its rows here")
                continue
            status = row["SV_Status"].strip().upper()
            if status not in SV_STATUS:
                problems.error(shown, line, "SV_Status", f"{row['SV_Status'].strip()!r} is not SOMATIC or GERMLINE")
                continue
            gene1 = _cell(row, "Site1_Hugo_Symbol")
            gene2 = _cell(row, "Site2_Hugo_Symbol")
            if not (gene1 or gene2 or _cell(row, "Site1_Entrez_Gene_Id") or _cell(row, "Site2_Entrez_Gene_Id")):
                problems.error(shown, line, "Site1_Hugo_Symbol", "the row names no gene at either site",
                               "give Site1_Hugo_Symbol and/or Site2_Hugo_Symbol (or their Entrez ids)")
                continue
            build = _cell(row, "NCBI_Build")
            if build and normalize_ref_genome(build) not in (None, ref_genome):
                problems.error(shown, line, "NCBI_Build", f"NCBI_Build {build} differs from the study's reference genome {ref_genome}",
                               "set reference_genome in meta_study to the build of the data")
                continue
            start_chrom, start_pos = _position(shown, line, row, "Site1", ref_genome, problems)
            end_chrom, end_pos = _position(shown, line, row, "Site2", ref_genome, problems)
            result.samples.add(sample)
            if status == "GERMLINE":
                result.germline += 1
                continue
            sv_class = (_cell(row, "Class") or "").upper()
            per_sample[sample] = per_sample.get(sample, 0) + 1
            result.variants.append({
                "sample_id": sample, "sv_id": str(per_sample[sample]), "type": CLASS_TO_TYPE.get(sv_class),
                "start_chromosome": start_chrom, "start_position": start_pos,
                "end_chromosome": end_chrom, "end_position": end_pos,
                "start_gene": gene1, "end_gene": gene2,
            })
            if gene1 and gene2 and gene1 != gene2 and (sample, f"{gene1}_{gene2}") not in fusion_keys:
                fusion_keys.add((sample, f"{gene1}_{gene2}"))
                frame = (_cell(row, "Site2_Effect_On_Frame") or "").lower()
                result.fusions.append({
                    "sample_id": sample, "name": f"{gene1}_{gene2}", "five_prime_gene": gene1, "three_prime_gene": gene2,
                    "phased": FRAME.get(frame),
                })
    return result
