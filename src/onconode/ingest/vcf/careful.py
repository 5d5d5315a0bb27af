"""The careful path: one record at a time, every rule checked, every problem located.

It handles what the bulk path leaves to it (multi-allelic records, odd encodings, decoy
contigs, anything that failed a vectorised check) and, run over a whole file, it is the
reference the bulk path is tested against. Each problem names file:line and the column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from onconode.ingest import genome
from onconode.ingest.problems import Problems
from onconode.ingest.vcf import annotations as ann
from onconode.ingest.vcf.fields import BASES, FLOAT, FLOAT_INFO, NUMBER, STRING_INFO, TIERS, flag_columns, per_allele, read_counts
from onconode.ingest.vcf.header import VcfHeader


@dataclass
class Context:
    """What converting one record needs to know about the file."""

    header: VcfHeader
    tumor: str
    sample_id: str
    ref_genome: str
    problems: Problems
    seen: dict[tuple[str, int, str, str], int] | None = None  # key → first line, for duplicate detection
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def shown(self) -> str:
        return str(self.header.path)

    @property
    def tumor_index(self) -> int:
        return 9 + self.header.samples.index(self.tumor)


def _info_values(info: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    if info in ("", "."):
        return out
    for item in info.split(";"):
        key, eq, value = item.partition("=")
        out.setdefault(key, value if eq else None)
    return out


def convert(line: str, line_no: int, ctx: Context) -> list[dict[str, Any]]:
    """somatic_variant rows of one VCF data line (one per ALT allele); problems go to ctx."""
    p, shown = ctx.problems, ctx.shown
    fields_ = line.rstrip("\r\n").split("\t")
    expected = 8 + (1 + len(ctx.header.samples) if ctx.header.samples else 0)
    if len(fields_) != expected:
        p.error(shown, line_no, None, f"{len(fields_)} tab-separated fields where the header has {expected}",
                "check for a missing or extra tab, or a line cut short")
        return []
    chrom, pos_text, _id, ref, alt_text, _qual, filt, info = fields_[:8]
    bad = False
    if not NUMBER.match(pos_text) or int(pos_text) < 1:
        p.error(shown, line_no, "POS", f"POS {pos_text!r} is not a positive whole number", "POS is the 1-based position")
        bad = True
    if not BASES.match(ref):
        p.error(shown, line_no, "REF", f"REF {ref!r} has characters other than A, C, G, T, N", "fix the reference allele")
        bad = True
    alts = alt_text.split(",")
    for a in alts:
        if a in (".", "*") or a.startswith("<") or "[" in a or "]" in a:
            continue
        if not BASES.match(a):
            p.error(shown, line_no, "ALT", f"ALT allele {a!r} has characters other than A, C, G, T, N", "fix the alternate allele")
            bad = True
    if bad:
        return []
    pos = int(pos_text)
    where = genome.check_position(chrom, pos, ctx.ref_genome)
    if where:
        p.error(shown, line_no, "CHROM" if "contig" in where else "POS", where,
                f"is the file on {ctx.ref_genome}? pass --ref-genome if not, or remove the record")
        return []
    chrom = genome.canonical_contig(chrom)
    values = _info_values(info)
    infos = ctx.header.infos
    tumor_field = fields_[ctx.tumor_index]
    keys = fields_[8].split(":")
    sample = dict(zip(keys, tumor_field.split(":")))
    ad: list[int | None] | None = None
    if sample.get("AD") not in (None, ".", ""):
        try:
            ad = [None if v == "." else int(v) for v in sample["AD"].split(",")]
        except ValueError:
            p.error(shown, line_no, f"{ctx.tumor}:AD", f"AD {sample['AD']!r} is not a list of read counts", "AD must be integers, e.g. 20,11")
            return []
        if len(ad) != len(alts) + 1:
            p.error(shown, line_no, f"{ctx.tumor}:AD", f"AD has {len(ad)} values for {len(alts) + 1} alleles", "AD is Number=R: one count per allele")
            return []
    dp: int | None = None
    if sample.get("DP") not in (None, ".", ""):
        if not NUMBER.match(sample["DP"]):
            p.error(shown, line_no, f"{ctx.tumor}:DP", f"DP {sample['DP']!r} is not a whole number", "DP is the read depth")
            return []
        dp = int(sample["DP"])
    rows = []
    base = flag_columns(infos)
    for i, alt in enumerate(alts, start=1):
        if alt in (".", "*") or alt.startswith("<") or "[" in alt or "]" in alt:
            ctx.skipped["symbolic or missing ALT"] = ctx.skipped.get("symbolic or missing ALT", 0) + 1
            continue
        row: dict[str, Any] = {"sample_id": ctx.sample_id, "chromosome": chrom, "position": pos, "ref": ref, "alt": alt,
                               "type": ann.variant_type(ref, alt), "filter": None if filt == "." else filt, **base}
        for key, col in FLOAT_INFO.items():
            raw = ann.decode(per_allele(values.get(key), infos.get(key, ("1",))[0], i))
            if raw in (None, "", "."):
                row[col] = None
                continue
            if FLOAT.match(raw):
                row[col] = float(raw)
            else:
                p.error(shown, line_no, f"INFO/{key}", f"{key}={raw!r} is not a number", "fix the value or remove the key")
                return []
        for key, col in STRING_INFO.items():
            raw = ann.decode(per_allele(values.get(key), infos.get(key, ("1",))[0], i))
            row[col] = raw if raw not in ("", ".") else None
        if row["tier"] is not None and row["tier"] not in TIERS:
            row["tier"] = "UNKNOWN"
        if "BIALLELIC" in values:
            row["biallelic"] = True
        if "REPORTED" in values:
            row["reported"] = True
        if "HOTSPOT" in values:
            row["hotspot"] = "HOTSPOT"
        elif "NEAR_HOTSPOT" in values:
            row["hotspot"] = "NEAR_HOTSPOT"
        kind = ctx.header.annotation
        if kind is None and values.get("IMPACT") not in (None, "", "."):
            kind = "IMPACT"  # PAVE output whose header lost its ##INFO lines: htslib reads it as a String
        if kind == "IMPACT":
            impact = ann.parse_impact(values.get("IMPACT"))
        elif kind == "CSQ":
            impact = ann.parse_csq(values.get("CSQ"), ctx.header.csq_fields, _vep_allele(ref, alt))
        elif kind == "ANN":
            impact = ann.parse_ann(values.get("ANN"), ctx.header.ann_fields, alt)
        else:
            impact = {}
        for col in ("gene", "transcript", "canonical_effect", "coding_effect", "worst_coding_effect", "hgvs_coding", "hgvs_protein"):
            row[col] = impact.get(col)
        row["variant_classification"] = ann.classify(row["canonical_effect"], row["gene"], len(ref), len(alt), kind is not None)
        row["default_filtered"] = ann.default_filtered(row["variant_classification"])
        row["allele_read_count"], row["total_read_count"], row["vaf"] = read_counts(ad, dp, i)
        if ctx.seen is not None:
            key4 = (chrom, pos, ref, alt)
            first = ctx.seen.get(key4)
            if first is not None:
                p.error(shown, line_no, None, f"duplicate record {chrom}:{pos} {ref}>{alt} (first on line {first})",
                        "each variant may appear once per sample; remove one of them")
                continue
            ctx.seen[key4] = line_no
        rows.append(row)
    return rows


def _vep_allele(ref: str, alt: str) -> str:
    """VEP names an allele without the shared first base (and '-' when nothing is left)."""
    if len(ref) != len(alt) and ref[:1] == alt[:1]:
        return alt[1:] or "-"
    return alt
