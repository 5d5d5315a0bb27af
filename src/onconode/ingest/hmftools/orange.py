"""ORANGE's per-sample JSON record → the model's tables.

ORANGE holds the fit, the genome-wide characteristics, CHORD, and only the reportable or
driver-level findings (drivers, reportable variants, gains/deletions, fusions,
breakends), not every variant. The reader uses it for what a sample folder lacks. The
configured primary tumour (DOIDs) is deliberately not read: clinical data owns the
tumour. Problems are located by JSON path (e.g. `purple.fit.purity`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onconode.ingest.hmftools.fields import FieldReader
from onconode.ingest.json_input import read_json
from onconode.ingest.problems import Problems
from onconode.model.tables import (
    DRIVER, FUSION, GENE_COPY_NUMBER, GERMLINE_SV_BREAKEND, SOMATIC_VARIANT, STRUCTURAL_VARIANT, SV_BREAKEND, TUMOR_PROFILE,
)

Row = dict[str, Any]
REF_GENOMES = {"V37": "GRCh37", "V38": "GRCh38"}
# PAVE VariantEffect enum names (as ORANGE writes them) → the Sequence Ontology terms
# PAVE writes in its VCFs, so effects read the same from either source.
EFFECT_TERMS = {
    "STOP_GAINED": "stop_gained", "STOP_LOST": "stop_lost", "START_LOST": "start_lost",
    "FRAMESHIFT": "frameshift_variant", "SPLICE_ACCEPTOR": "splice_acceptor_variant",
    "SPLICE_DONOR": "splice_donor_variant", "INFRAME_INSERTION": "inframe_insertion",
    "INFRAME_DELETION": "inframe_deletion", "MISSENSE": "missense_variant",
    "PHASED_MISSENSE": "missense_variant", "PHASED_INFRAME_INSERTION": "inframe_insertion",
    "PHASED_INFRAME_DELETION": "inframe_deletion", "PHASED_SYNONYMOUS": "synonymous_variant",
    "SYNONYMOUS": "synonymous_variant", "INTRONIC": "intron_variant", "FIVE_PRIME_UTR": "5_prime_UTR_variant",
    "THREE_PRIME_UTR": "3_prime_UTR_variant", "UPSTREAM_GENE": "upstream_gene_variant",
    "NON_CODING_TRANSCRIPT": "non_coding_transcript_exon_variant", "OTHER": "other",
}


@dataclass
class OrangeRecord:
    path: Path
    sample_id: str | None = None
    ref_genome: str | None = None
    pipeline: str | None = None
    pipeline_version: str | None = None  # ORANGE's pipelineVersion as written (5.0 always writes OA_V3_0)
    profile: Row = field(default_factory=dict)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    data: dict = field(default_factory=dict)   # the record, lists under their ORANGE 5.0 names (orange_tools reads it)


# ORANGE <= 4.1 (WiGiTS 2.x, orange-datamodel 3.0) named the lists it now calls by the right-hand
# names `all...` (it also wrote reportable/suspect subsets of them, which add nothing to the full list).
ORANGE_4_KEYS = {
    ("purple", "somaticVariants"): "allSomaticVariants", ("purple", "somaticGainsDels"): "allSomaticGainsDels",
    ("linx", "fusions"): "allSomaticFusions", ("linx", "somaticBreakends"): "allSomaticBreakends",
    ("linx", "somaticStructuralVariants"): "allSomaticStructuralVariants",
}


def _current_keys(data: dict) -> dict:
    """The record with ORANGE <= 4.1 lists under their ORANGE 5.0 names (a newer name present wins)."""
    out = dict(data)
    for (section, new), old in ORANGE_4_KEYS.items():
        part = out.get(section)
        if isinstance(part, dict) and new not in part and old in part:
            out[section] = {**part, new: part[old]}
    return out


def _dig(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def objects(reader: FieldReader, obj: Any, where: str) -> list[dict]:
    """The objects of a JSON list; a missing or null list is empty, anything else a problem."""
    if obj is None:
        return []
    if not isinstance(obj, list) or not all(isinstance(x, dict) for x in obj):
        reader.error(None, where, "expected a list of objects", "is this an ORANGE JSON written by ORANGE itself?")
        return []
    return obj


def load_json(path: Path, problems: Problems) -> dict | None:
    shown = str(path)
    data = read_json(path, problems, "copy the file again from the ORANGE output")
    if data is None:
        return None
    if not isinstance(data, dict):
        problems.error(shown, None, None, "the JSON is not an object", "is this an ORANGE record?")
        return None
    return data


def read_ref_genome(path: Path, problems: Problems) -> str | None:
    """refGenomeVersion (V37 / V38) of an ORANGE record, as GRCh37 / GRCh38."""
    data = load_json(path, problems)
    if data is None:
        return None
    raw = data.get("refGenomeVersion")
    if raw is None:
        return None
    if raw not in REF_GENOMES:
        problems.error(str(path), None, "refGenomeVersion", f"{raw!r} is not V37 or V38", "fix the record or give --ref-genome")
        return None
    return REF_GENOMES[raw]


def read_orange(path: Path, problems: Problems, ref_genome: str | None) -> OrangeRecord:
    """Everything the model takes from an ORANGE record."""
    record = OrangeRecord(path)
    data = load_json(path, problems)
    if data is None:
        return record
    record.sample_id = data.get("sampleId") if isinstance(data.get("sampleId"), str) else None
    record.ref_genome = REF_GENOMES.get(data.get("refGenomeVersion"))
    version = data.get("pipelineVersion")
    record.pipeline_version = str(version) if version else None
    record.pipeline = f"hmftools pipeline {version} (ORANGE)" if version else "hmftools (ORANGE)"
    data = record.data = _current_keys(data)
    record.profile = _profile(FieldReader(path, problems, TUMOR_PROFILE), data)
    record.tables = {
        "driver": _drivers(FieldReader(path, problems, DRIVER), data),
        "somatic_variant": _variants(FieldReader(path, problems, SOMATIC_VARIANT, ref_genome), data),
        "gene_copy_number": _gains_dels(FieldReader(path, problems, GENE_COPY_NUMBER, ref_genome), data),
        "fusion": _fusions(FieldReader(path, problems, FUSION), data),
        "sv_breakend": _breakends(FieldReader(path, problems, SV_BREAKEND), data),
        "germline_sv_breakend": _breakends(FieldReader(path, problems, GERMLINE_SV_BREAKEND), data, "germlineBreakends"),
        "structural_variant": _svs(FieldReader(path, problems, STRUCTURAL_VARIANT), data),
    }
    return record


def take(reader: FieldReader, obj: dict, base: str, mapping: dict[str, str]) -> Row:
    """The values of `obj`'s keys in `mapping` as the model columns they map onto, located at `base.key`."""
    return {col: reader.value(obj.get(key), None, f"{base}.{key}", col) for key, col in mapping.items() if key in obj}


def _require(reader: FieldReader, row: Row, base: str, keys: dict[str, str]) -> None:
    """A problem for each JSON key whose model column is required but has no value."""
    for key, col in keys.items():
        if row.get(col) is None and not any(p.column == f"{base}.{key}" for p in reader.problems.errors):
            reader.error(None, f"{base}.{key}", "a value is required here but it is missing")


def _profile(reader: FieldReader, data: dict) -> Row:
    fit = _dig(data, "purple", "fit") or {}
    qc = _dig(fit, "qc") or {}
    chars = _dig(data, "purple", "characteristics") or {}
    chord = data.get("chord") or {}
    out: Row = {}
    if isinstance(fit, dict):
        out |= take(reader, fit, "purple.fit", {"purity": "purity", "ploidy": "ploidy", "fittedPurityMethod": "fit_method"})
    if isinstance(qc, dict):
        out |= take(reader, qc, "purple.fit.qc", {
            "amberMeanDepth": "mean_depth", "contamination": "contamination",
            "totalCopyNumberSegments": "copy_number_segments", "deletedGenes": "deleted_genes",
            "unsupportedCopyNumberSegments": "unsupported_copy_number_segments",
        })
        for key, column in (("status", "qc_status"), ("germlineAberrations", "germline_aberrations")):
            values = qc.get(key)   # lists of enum names, as PURPLE's .qc joins them
            if isinstance(values, list) and values:
                out[column] = ",".join(str(v) for v in values)
    if isinstance(chars, dict):
        out |= take(reader, chars, "purple.characteristics", {
            "wholeGenomeDuplication": "whole_genome_duplication", "microsatelliteIndelsPerMb": "ms_indels_per_mb",
            "microsatelliteStatus": "msi_status", "tumorMutationalBurdenPerMb": "tmb_per_mb",
            "tumorMutationalBurdenStatus": "tmb_status", "tumorMutationalLoad": "tml",
            "tumorMutationalLoadStatus": "tml_status", "svTumorMutationalBurden": "sv_tmb",
            # ORANGE 5.0: PURPLE's qc().lohPercent(), a fraction like the .qc LohPercent (orange PurpleConversion)
            "lohPercentage": "loh_percent",
        })
    if isinstance(chord, dict):
        out |= take(reader, chord, "chord", {"hrdValue": "hrd_score", "hrStatus": "hr_status", "hrdType": "hrd_type"})
    return out


def _drivers(reader: FieldReader, data: dict) -> list[Row]:
    rows = []
    for key, germline in (("somaticDrivers", False), ("germlineDrivers", True)):
        for i, d in enumerate(objects(reader, _dig(data, "purple", key), f"purple.{key}")):
            row = take(reader, d, f"purple.{key}[{i}]", {
                "gene": "gene", "transcript": "transcript", "isCanonical": "is_canonical", "type": "driver",
                "category": "category", "likelihoodMethod": "likelihood_method",
                "reportedStatus": "reported_status", "driverLikelihood": "driver_likelihood",
            })
            row["germline"] = germline
            _require(reader, row, f"purple.{key}[{i}]", {"gene": "gene", "type": "driver"})
            rows.append(row)
    return rows


def _variants(reader: FieldReader, data: dict) -> list[Row]:
    rows = []
    for i, v in enumerate(objects(reader, _dig(data, "purple", "somaticVariants"), "purple.somaticVariants")):
        base = f"purple.somaticVariants[{i}]"
        row = take(reader, v, base, {
            "chromosome": "chromosome", "position": "position", "ref": "ref", "alt": "alt", "type": "type",
            "gene": "gene", "worstCodingEffect": "worst_coding_effect", "hotspot": "hotspot",
            "adjustedVAF": "adjusted_vaf", "adjustedCopyNumber": "copy_number",
            "variantCopyNumber": "variant_copy_number", "minorAlleleCopyNumber": "minor_allele_copy_number",
            "biallelic": "biallelic", "subclonalLikelihood": "subclonal_likelihood", "reported": "reported",
            "gnomadFrequency": "gnomad_frequency",
        })
        impact = v.get("canonicalImpact") if isinstance(v.get("canonicalImpact"), dict) else {}
        row |= take(reader, impact, f"{base}.canonicalImpact", {
            "transcript": "transcript", "hgvsCodingImpact": "hgvs_coding", "hgvsProteinImpact": "hgvs_protein",
            "codingEffect": "coding_effect",
        })
        effects = impact.get("effects")
        if isinstance(effects, list) and effects:
            row["canonical_effect"] = "&".join(EFFECT_TERMS.get(str(e), str(e).lower()) for e in effects)
        depth = v.get("tumorDepth") if isinstance(v.get("tumorDepth"), dict) else {}
        row |= take(reader, depth, f"{base}.tumorDepth", {"alleleReadCount": "allele_read_count", "totalReadCount": "total_read_count"})
        if row.get("total_read_count") and row.get("allele_read_count") is not None:
            row["vaf"] = reader.value(row["allele_read_count"] / row["total_read_count"], None, f"{base}.tumorDepth", "vaf")
        row["filter"] = "PASS"  # ORANGE reports passing variants only
        _require(reader, row, base, {k: k for k in ("chromosome", "position", "ref", "alt")})
        reader.position(row.get("chromosome"), row.get("position"), None, f"{base}.position", f"{base}.chromosome")
        rows.append(row)
    return rows


def _gains_dels(reader: FieldReader, data: dict) -> list[Row]:
    rows = []
    for i, g in enumerate(objects(reader, _dig(data, "purple", "somaticGainsDels"), "purple.somaticGainsDels")):
        base = f"purple.somaticGainsDels[{i}]"
        driver = g.get("driver") if isinstance(g.get("driver"), dict) else {}
        # ORANGE 3 writes gene/transcript flat; later versions nest them in a `driver` object.
        row = take(reader, driver, f"{base}.driver", {"gene": "gene", "transcript": "transcript", "isCanonical": "is_canonical"})
        row |= take(reader, g, base, {
            "gene": "gene", "transcript": "transcript", "isCanonical": "is_canonical", "chromosome": "chromosome",
            "chromosomeBand": "chromosome_band", "minCopyNumber": "min_copy_number", "maxCopyNumber": "max_copy_number",
            "minMinorAlleleCopies": "min_minor_allele_copy_number", "relativeCopyNumber": "relative_min_copy_number",
        })
        reader.position(row.get("chromosome"), None, None, f"{base}.chromosome", f"{base}.chromosome")
        _require(reader, row, base, {"gene": "gene"})
        rows.append(row)
    return rows


def _fusions(reader: FieldReader, data: dict) -> list[Row]:
    rows = []
    for i, f in enumerate(objects(reader, _dig(data, "linx", "fusions"), "linx.fusions")):
        base = f"linx.fusions[{i}]"
        row = take(reader, f, base, {
            "geneUp": "five_prime_gene", "geneDown": "three_prime_gene", "reported": "reported",
            "reportedType": "reported_type", "phased": "phased", "likelihood": "likelihood",
            "fusedExonUp": "fused_exon_up", "fusedExonDown": "fused_exon_down",
            "junctionCopyNumber": "junction_copy_number",
        })
        if "likelihood" not in f and f.get("driverInterpretation") in ("HIGH", "LOW"):
            row["likelihood"] = f["driverInterpretation"]
        if row.get("five_prime_gene") and row.get("three_prime_gene"):
            row["name"] = f"{row['five_prime_gene']}_{row['three_prime_gene']}"
        else:
            reader.error(None, base, "the fusion has no geneUp / geneDown", "is this an ORANGE record written by ORANGE itself?")
        rows.append(row)
    return rows


def _breakends(reader: FieldReader, data: dict, key: str = "somaticBreakends") -> list[Row]:
    """sv_breakend rows of `linx.<key>` (germlineBreakends: the germline_sv_breakend rows, same fields)."""
    rows = []
    for i, b in enumerate(objects(reader, _dig(data, "linx", key), f"linx.{key}")):
        base = f"linx.{key}[{i}]"
        row = take(reader, b, base, {
            "id": "breakend_id", "svId": "sv_id", "gene": "gene", "transcript": "transcript",
            "isCanonical": "is_canonical", "disruptive": "disruptive", "regionType": "region_type",
            "codingType": "coding_type", "undisruptedCopyNumber": "undisrupted_copy_number",
        })
        if "reportedStatus" in b:  # ORANGE 5.0 (LINX 2.3): kept as written, not collapsed to a boolean
            row["reported_status"] = reader.value(b["reportedStatus"], None, f"{base}.reportedStatus", "reported_status")
            row["reported"] = None if row["reported_status"] is None else row["reported_status"] == "REPORTED"
        elif "reportedDisruption" in b:
            row["reported"] = reader.value(b["reportedDisruption"], None, f"{base}.reportedDisruption", "reported")
            row["reported_status"] = None if row["reported"] is None else ("REPORTED" if row["reported"] else "NONE")
        _require(reader, row, base, {"id": "breakend_id"})
        rows.append(row)
    return rows


def _svs(reader: FieldReader, data: dict) -> list[Row]:
    rows = []
    for i, s in enumerate(objects(reader, _dig(data, "linx", "somaticStructuralVariants"), "linx.somaticStructuralVariants")):
        base = f"linx.somaticStructuralVariants[{i}]"
        row = take(reader, s, base, {"svId": "sv_id", "clusterId": "cluster_id", "geneStart": "start_gene", "geneEnd": "end_gene"})
        _require(reader, row, base, {"svId": "sv_id"})
        rows.append(row)
    return rows
