"""PURPLE's germline VCF (`<tumour>.purple.germline.vcf.gz`) → germline_variant.

The file holds SAGE's germline calls in the reference (normal) sample, annotated by PAVE
(IMPACT, CLNSIG, GND_FREQ) and enriched by PURPLE in the tumour (PURPLE_AF/CN/VCN/MACN,
BIALLELIC, REPORTED, PATH: ClinVar-based pathogenicity). The reference column is the
sample that is neither the tumour (the file prefix, or Hartwig's …T) nor an RNA sample
(SAGE append adds RNA columns). Germline VCFs are small (the germline panel's calls), so
a per-record reader is fast enough and keeps every problem located.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from onconode.ingest.genome import canonical_contig
from onconode.ingest.hmftools.fields import FieldReader
from onconode.ingest.hmftools.sv_vcf import tumour_column
from onconode.ingest.problems import Problems
from onconode.ingest.tsv import open_text
from onconode.ingest.vcf.annotations import parse_impact, variant_type
from onconode.ingest.vcf.fields import per_allele
from onconode.model import codes as C
from onconode.model.tables import GERMLINE_VARIANT

Row = dict[str, Any]
FLOATS = {"PURPLE_AF": "adjusted_vaf", "PURPLE_CN": "copy_number", "PURPLE_VCN": "variant_copy_number",
          "PURPLE_MACN": "minor_allele_copy_number", "GND_FREQ": "gnomad_frequency"}
# `##INFO=<ID=X,Number=A,...>` / `##FORMAT=...`: how many values a field holds (per ALT, per allele, ...)
DECLARED = re.compile(r"^##(INFO|FORMAT)=<ID=([^,>]+),Number=([^,>]+)")


def _columns(samples: list[str], tumour: str) -> tuple[str | None, str | None, str]:
    """(tumour column, reference column, problem) of the VCF's samples."""
    t, _ = tumour_column(samples, tumour)
    if len(samples) == 1 and t is not None and t.lower() != tumour.lower() and not t.endswith("T"):
        t = None   # a lone column not named as the tumour is the reference's
    refs = [s for s in samples if s != t and "rna" not in s.lower()]
    if len(refs) == 1:
        return t, refs[0], ""
    return t, None, (f"cannot tell the reference (normal) sample among {', '.join(samples) or 'no samples'}"
                     f" (tumour: {t or 'not found'})")


def _genotype(gt: str, allele: int) -> str:
    """The sample's zygosity for ALT `allele` (1-based): GT 1/2 is heterozygous for each ALT."""
    alleles = gt.replace("|", "/").split("/")
    if "." in alleles or not alleles:
        return "UNKNOWN"
    carried = sum(1 for a in alleles if a == str(allele))
    return "HOM_REF" if carried == 0 else "HOM_ALT" if carried == len(alleles) else "HET"


def read(path: Path, problems: Problems, ref_genome: str | None = None, tumour: str = "") -> dict[str, list[Row]]:
    reader = FieldReader(path, problems, GERMLINE_VARIANT, ref_genome)
    out: list[Row] = []
    seen: dict[tuple, int] = {}
    samples: list[str] | None = None
    t_col = r_col = None
    numbers: dict[tuple[str, str], str] = {}   # (INFO|FORMAT, id) -> header Number
    try:
        with open_text(path) as fh:
            for line_no, raw in enumerate(fh, start=1):
                line = raw.rstrip("\r\n")
                if line.startswith("##") or not line.strip():
                    declared = DECLARED.match(line)
                    if declared:
                        numbers[(declared.group(1), declared.group(2))] = declared.group(3)
                    continue
                if line.startswith("#CHROM"):
                    samples = line.split("\t")[9:]
                    t_col, r_col, problem = _columns(samples, tumour)
                    if problem:
                        reader.error(line_no, "#CHROM", problem, "name the reference sample column after the normal sample")
                        return {"germline_variant": []}
                    continue
                if samples is None:
                    reader.error(line_no, None, "a record before the #CHROM header line", "is this a VCF?")
                    return {"germline_variant": []}
                f = line.split("\t")
                if len(f) < 8:
                    reader.error(line_no, None, f"{len(f)} fields where a VCF record has at least 8", "the file is damaged")
                    continue
                info: dict[str, str | None] = {}
                for item in f[7].split(";"):
                    k, eq, v = item.partition("=")
                    info[k] = v if eq else None
                chrom = canonical_contig(f[0])
                pos = reader.value(f[1], line_no, "POS", "position")
                for allele, alt in enumerate(f[4].split(","), start=1):
                    row: Row = {"chromosome": chrom, "position": pos, "ref": f[3], "alt": alt,
                                "type": variant_type(f[3], alt), "filter": f[6] if f[6] != "." else "PASS"}
                    impact = parse_impact(info.get("IMPACT"))
                    for k in ("gene", "transcript", "canonical_effect", "coding_effect", "hgvs_coding", "hgvs_protein"):
                        row[k] = impact.get(k)
                    for key, column in FLOATS.items():
                        value = per_allele(info.get(key), numbers.get(("INFO", key), "1"), allele)
                        if value not in (None, "", "."):
                            row[column] = reader.value(value, line_no, key, column)
                    row["biallelic"] = "BIALLELIC" in info
                    row["reported"] = "REPORTED" in info
                    row["hotspot"] = "HOTSPOT" if "HOTSPOT" in info else "NEAR_HOTSPOT" if "NEAR_HOTSPOT" in info else "NON_HOTSPOT"
                    path_value = info.get("PATH")
                    if path_value:
                        row["pathogenicity"] = reader.value(path_value, line_no, "PATH", "pathogenicity")
                        row["pathogenic"] = path_value in C.PATHOGENIC
                    row["clinvar_significance"] = info.get("CLNSIG")
                    if len(f) > 9:
                        keys = f[8].split(":")
                        for column, prefix in ((r_col, "germline"), (t_col, "tumor")):
                            if column is None:
                                continue
                            values = dict(zip(keys, f[9 + samples.index(column)].split(":")))
                            ad = per_allele(values.get("AD"), numbers.get(("FORMAT", "AD"), "R"), allele)
                            if ad not in (None, "", "."):
                                row[f"{prefix}_allele_read_count"] = reader.value(ad, line_no, f"{column}:AD", f"{prefix}_allele_read_count")
                            if values.get("DP") not in (None, "", "."):
                                row[f"{prefix}_total_read_count"] = reader.value(values["DP"], line_no, f"{column}:DP", f"{prefix}_total_read_count")
                            if prefix == "germline" and values.get("GT"):
                                row["genotype"] = _genotype(values["GT"], allele)
                    reader.position(chrom, pos, line_no, "POS", "CHROM")
                    key = (chrom, pos, f[3], alt)
                    if key in seen:
                        reader.warning(line_no, None, f"not stored: repeats the variant of line {seen[key]} "
                                       f"({chrom}:{pos} {f[3]}>{alt}); the first record was kept")
                        continue
                    seen[key] = line_no
                    out.append(row)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        reader.error(None, None, f"cannot read the VCF ({exc})", "copy it again from the pipeline output")
    return {"germline_variant": out}
