"""One sequenced sample as Genomics Reporting 2.0.0 / mCODE 4.0.0 resources: a genomics
report (DiagnosticReport) whose results are the region studied, the tumour marker tests
(TMB, MSI, purity, ploidy, HRD) and one Variant observation per small variant (somatic and
germline) and per gene-level amplification or homozygous deletion.

A Variant carries its position, reference and alternate allele as components, so a
reader can rebuild the row exactly; its GA4GH VRS 2.0 identifier is the `variation-code`
component (`onconode.model.vrs`: only where the identifier is exact).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from onconode.exchange.fhir_datatypes import (
    Json,
    cc,
    coding,
    component,
    day,
    laboratory,
    local,
    loinc,
    meta,
    quantity,
    ref,
    uid,
)
from onconode.exchange.report import ExportReport
from onconode.ingest.genes import gene as known_gene
from onconode.model import fhir_terms as T
from onconode.model import vrs

Row = dict[str, Any]
TBD = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs"
CNA_CALLS = ("AMP", "HOMDEL")
HGVS_INDEL = "not written for insertions/deletions (HGVS shifts them 3', VCF left-aligns; that needs the reference sequence)"


def _observation(kind: str, rid: str, code: Json, patient: str, specimen: str, when: str | None) -> Json:
    out: Json = {"resourceType": "Observation", "id": rid, "meta": meta(T.PROFILE[kind]), "status": "final",
                 "category": laboratory(), "code": code, "subject": ref(patient), "specimen": ref(specimen)}
    if when:
        out["effectiveDateTime"] = when
    return out


def _gene(symbol: str) -> Json:
    """gene-studied: the HGNC symbol (we ship no HGNC ids, so the symbol is the display)
    and the Ensembl gene id where the gene reference knows the symbol."""
    codings = [{"system": T.HGNC, "display": symbol}]
    found = known_gene(symbol)
    if found is not None:
        codings.append(coding(T.ENSEMBL, found.ensembl_gene_id, symbol))
    return component(T.C_GENE, valueCodeableConcept={"coding": codings, "text": symbol})


def _location(assembly: str, chromosome: str, start: int, end: int) -> list[Json]:
    contig = vrs.contig(assembly, chromosome)
    seq = {"text": chromosome}
    if contig is not None:
        seq["coding"] = [coding(T.REFSEQ, contig.refseq_accession)]
    comps = [component(T.C_REF_SEQ, valueCodeableConcept=seq),
             component(T.C_COORDINATES, valueCodeableConcept=loinc(T.ONE_BASED)),
             component(T.C_START_END, valueRange={"low": {"value": start}, "high": {"value": end}})]
    if assembly in T.ASSEMBLY:
        comps.append(component(T.C_ASSEMBLY, valueCodeableConcept=loinc(T.ASSEMBLY[assembly])))
    return comps


def genomic_hgvs(assembly: str, chromosome: str, position: int, ref_allele: str, alt: str) -> str | None:
    """g.HGVS on the RefSeq chromosome for substitutions (SNV, MNV, delins); None for pure
    insertions and deletions, whose HGVS position needs the reference to shift 3'."""
    contig = vrs.contig(assembly, chromosome)
    if contig is None:
        return None
    start, end, r, a = vrs.trim(position, ref_allele.upper(), alt.upper())
    if not r or not a:
        return None
    acc = contig.refseq_accession
    if len(r) == 1 and len(a) == 1:
        return f"{acc}:g.{end}{r}>{a}"
    return f"{acc}:g.{start + 1}delins{a}" if end == start + 1 else f"{acc}:g.{start + 1}_{end}delins{a}"


def variant(v: Row, source: str, assembly: str, patient: str, specimen: str, when: str | None,
            report: ExportReport) -> Json:
    """One small variant (a somatic_variant or germline_variant row) as a Variant observation."""
    table = f"{source}_variant"
    rid = uid("Variant", table, v["sample_id"], v["chromosome"], v["position"], v["ref"], v["alt"])
    obs = _observation("variant", rid, loinc(T.VARIANT_CODE), patient, specimen, when)
    comps: list[Json] = []
    if v.get("gene"):
        comps.append(_gene(v["gene"]))
    comps += _location(assembly, v["chromosome"], v["position"], v["position"] + len(v["ref"]) - 1)
    comps += [component(T.C_REF_ALLELE, valueString=v["ref"]), component(T.C_ALT_ALLELE, valueString=v["alt"])]
    g = genomic_hgvs(assembly, v["chromosome"], v["position"], v["ref"], v["alt"])
    if g:
        comps.append(component(T.C_GENOMIC_HGVS, valueCodeableConcept=cc(T.HGVS, g)))
    else:
        report.skip(f"{table} genomic HGVS", HGVS_INDEL)
    if v.get("transcript"):
        comps.append(component(T.C_TRANSCRIPT, valueCodeableConcept=cc(T.ENSEMBL, v["transcript"])))
    if v.get("hgvs_coding"):
        c = {"text": v["hgvs_coding"]}
        if v.get("transcript"):
            c["coding"] = [coding(T.HGVS, f"{v['transcript']}:{v['hgvs_coding']}")]
        comps.append(component(T.C_CODING_HGVS, valueCodeableConcept=c))
    if v.get("hgvs_protein"):
        comps.append(component(T.C_PROTEIN_HGVS, valueCodeableConcept={"text": v["hgvs_protein"]}))
    if v.get("type") in T.CHANGE_TYPE:
        comps.append(component(T.C_CHANGE_TYPE, valueCodeableConcept=cc(T.SO, T.CHANGE_TYPE[v["type"]])))
    if v.get("canonical_effect"):
        comps.append({"code": cc(TBD, ("molecular-consequence", "Molecular Consequence")),
                      "valueCodeableConcept": {"text": v["canonical_effect"]}})
    if v.get("vaf") is not None:
        comps.append(component(T.C_VAF, valueQuantity=quantity(v["vaf"], "relative frequency", "1")))
    if v.get("allele_read_count") is not None:
        comps.append(component(T.C_ALT_DEPTH, valueQuantity=quantity(v["allele_read_count"], "reads", "1")))
    if v.get("genotype") in T.GENOTYPE:
        comps.append(component(T.C_ALLELIC_STATE, valueCodeableConcept=loinc(T.GENOTYPE[v["genotype"]])))
    comps.append(component(T.C_SOURCE, valueCodeableConcept=loinc(T.SOURCE_CLASS[source])))
    vrs_id = vrs.allele_id(assembly, v["chromosome"], v["position"], v["ref"], v["alt"])
    if vrs_id.id:
        comps.append(component(T.C_VARIATION, valueCodeableConcept=cc(T.VRS, vrs_id.id)))
    else:
        report.skip(f"{table} VRS 2.0 id", vrs_id.reason or "none")
    obs["component"] = comps
    return obs


def copy_number(g: Row, assembly: str, patient: str, specimen: str, when: str | None) -> Json:
    """A gene's amplification or homozygous deletion (gene_copy_number.cna_call AMP/HOMDEL)."""
    rid = uid("Variant", "gene_copy_number", g["sample_id"], g["gene"], g.get("transcript"))
    obs = _observation("variant", rid, loinc(T.VARIANT_CODE), patient, specimen, when)
    comps = [_gene(g["gene"])]
    if g.get("chromosome") and g.get("start") and g.get("end"):
        comps += _location(assembly, g["chromosome"], g["start"], g["end"])
    comps.append(component(T.C_CHANGE_TYPE, valueCodeableConcept=cc(T.SO, T.CHANGE_TYPE[g["cna_call"]])))
    cn = g["min_copy_number"] if g["cna_call"] == "HOMDEL" else g.get("max_copy_number")
    if cn is not None:
        comps.append(component(T.C_COPY_NUMBER, valueQuantity=quantity(cn, "copies", "1")))
    comps.append(component(T.C_SOURCE, valueCodeableConcept=loinc(T.SOURCE_CLASS["somatic"])))
    obs["component"] = comps
    return obs


def _local_component(code: str, **value: Any) -> Json:
    return {"code": local(code), **value}


def markers(sample: Row, profile: Row, patient: str, specimen: str, when: str | None) -> Iterator[Json]:
    """Tumour marker tests of a sample: TMB and MSI (LOINC, GR profiles), purity, ploidy,
    HRD and the pathologist's tumour percentage (onconode codes: LOINC has none)."""
    sid = sample["sample_id"]
    if profile.get("tmb_per_mb") is not None or profile.get("tmb_status"):
        o = _observation("tmb", uid("TMB", sid), loinc(T.TMB_CODE), patient, specimen, when)
        o["meta"]["profile"].append(T.PROFILE["tumor-marker"])
        if profile.get("tmb_per_mb") is not None:
            o["valueQuantity"] = quantity(profile["tmb_per_mb"], "mutations/Mb", "1/1000000{Base}")  # GR 2.0.0 tmb example unit
        else:
            o["dataAbsentReason"] = cc("http://terminology.hl7.org/CodeSystem/data-absent-reason", "unknown")
        if profile.get("tmb_status") in T.BURDEN:
            o["interpretation"] = [cc(T.INTERPRETATION, T.BURDEN[profile["tmb_status"]])]
        yield o
    if profile.get("msi_status") or profile.get("ms_indels_per_mb") is not None:
        o = _observation("msi", uid("MSI", sid), loinc(T.MSI_CODE), patient, specimen, when)
        o["meta"]["profile"].append(T.PROFILE["tumor-marker"])
        if profile.get("msi_status") in T.MSI_ANSWER:
            o["valueCodeableConcept"] = loinc(T.MSI_ANSWER[profile["msi_status"]])
        else:
            o["dataAbsentReason"] = cc("http://terminology.hl7.org/CodeSystem/data-absent-reason", "unknown")
        if profile.get("ms_indels_per_mb") is not None:
            o["component"] = [_local_component("ms-indels-per-mb", valueQuantity=quantity(profile["ms_indels_per_mb"], "indels/Mb"))]
        yield o
    for code, value, unit, ucum in (("purity", profile.get("purity"), "fraction", "1"), ("ploidy", profile.get("ploidy"), None, None)):
        if value is not None:
            o = _observation("tumor-marker", uid(code, sid), local(code), patient, specimen, when)
            o["valueQuantity"] = quantity(value, unit, ucum)
            yield o
    if profile.get("hrd_score") is not None or profile.get("hr_status") or profile.get("hrd_type"):
        o = _observation("tumor-marker", uid("hrd", sid), local("hrd"), patient, specimen, when)
        if profile.get("hrd_score") is not None:
            o["valueQuantity"] = quantity(profile["hrd_score"], "probability", "1")
        else:
            o["dataAbsentReason"] = cc("http://terminology.hl7.org/CodeSystem/data-absent-reason", "unknown")
        comps = []
        if profile.get("hr_status"):
            comps.append(_local_component("hr-status", valueCodeableConcept=cc(T.CS_HR_STATUS, profile["hr_status"])))
        if profile.get("hrd_type"):
            comps.append(_local_component("hrd-type", valueString=profile["hrd_type"]))
        if comps:
            o["component"] = comps
        yield o


def pathology(sample: Row, patient: str, specimen: str, when: str | None) -> Json | None:
    """The pathologist's tumour cell percentage (a sample value, with or without sequencing)."""
    if sample.get("pathology_tumor_percentage") is None:
        return None
    o = _observation("tumor-marker", uid("pathology", sample["sample_id"]), local("pathology-tumor-percentage"), patient, specimen, when)
    o["valueQuantity"] = quantity(sample["pathology_tumor_percentage"], "%", "%")
    return o


def region_studied(sample: Row, profile: Row, patient: str, specimen: str, when: str | None) -> Json:
    """What was sequenced: the assembly the coordinates are on (and whole genome vs panel
    stays in the report's text, GR 2.0 has no coded element for it)."""
    o = _observation("region-studied", uid("RegionStudied", sample["sample_id"]), loinc(T.REGION_CODE), patient, specimen, when)
    o["component"] = [component(T.C_ASSEMBLY, valueCodeableConcept=cc(T.LOINC, T.ASSEMBLY[profile["ref_genome"]]) if profile["ref_genome"] in T.ASSEMBLY
                                else {"text": profile["ref_genome"]})]
    return o


def sample_resources(sample: Row, profile: Row, variants: list[Row], germline: list[Row], genes: list[Row],
                     patient: str, specimen: str, report: ExportReport) -> Iterator[Json]:
    """The genomics report of one sequenced sample, then its results (streamed: a sample
    may have tens of thousands of variants)."""
    when = day(sample.get("sampling_date"))
    assembly = profile["ref_genome"]
    results: list[Json] = [region_studied(sample, profile, patient, specimen, when),
                           *markers(sample, profile, patient, specimen, when)]
    cnas = [g for g in genes if g.get("cna_call") in CNA_CALLS]
    ids = [r["id"] for r in results]
    ids += [uid("Variant", "somatic_variant", v["sample_id"], v["chromosome"], v["position"], v["ref"], v["alt"]) for v in variants]
    ids += [uid("Variant", "germline_variant", v["sample_id"], v["chromosome"], v["position"], v["ref"], v["alt"]) for v in germline]
    ids += [uid("Variant", "gene_copy_number", g["sample_id"], g["gene"], g.get("transcript")) for g in cnas]
    dr: Json = {"resourceType": "DiagnosticReport", "id": uid("DiagnosticReport", sample["sample_id"]),
                "meta": meta(T.PROFILE["DiagnosticReport"]), "status": "final",
                "category": [cc(T.V2_0074, ("GE", "Genetics"))], "code": loinc(T.REPORT_CODE),
                "subject": ref(patient), "specimen": [ref(specimen)], "result": [ref(i) for i in ids]}
    if when:
        dr["effectiveDateTime"] = when
    yield dr
    yield from results
    for v in variants:
        yield variant(v, "somatic", assembly, patient, specimen, when, report)
    for v in germline:
        yield variant(v, "germline", assembly, patient, specimen, when, report)
    for g in cnas:
        yield copy_number(g, assembly, patient, specimen, when)
