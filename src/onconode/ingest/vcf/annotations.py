"""Consequence annotations → gene, effect, HGVS and a MAF-style classification.

PAVE's IMPACT, VEP's CSQ and SnpEff's ANN say the same thing three ways; they all end up
in the same columns so a cohort mixes callers without meaning drifting. The bulk path
calls `classify` on distinct values only, so both paths derive classes from one function.
"""

from __future__ import annotations

from onconode.model import codes

PERCENT_CODES = (("%3A", ":"), ("%3B", ";"), ("%3D", "="), ("%2C", ","), ("%0D", "\r"), ("%0A", "\n"), ("%09", "\t"), ("%25", "%"))

IMPACT_FIELDS = ("gene", "transcript", "canonical_effect", "coding_effect", "splice", "hgvs_coding", "hgvs_protein",
                 "other_effects", "worst_coding_effect", "genes_affected")

# Sequence Ontology term → MAF Variant_Classification; "FS"/"IF" become Del/Ins by allele lengths.
SO_TO_MAF = {
    "transcript_ablation": "Splice_Site", "splice_acceptor_variant": "Splice_Site", "splice_donor_variant": "Splice_Site",
    "stop_gained": "Nonsense_Mutation", "frameshift_variant": "FS", "stop_lost": "Nonstop_Mutation",
    "start_lost": "Translation_Start_Site", "initiator_codon_variant": "Translation_Start_Site",
    "inframe_insertion": "In_Frame_Ins", "inframe_deletion": "In_Frame_Del", "disruptive_inframe_insertion": "In_Frame_Ins",
    "disruptive_inframe_deletion": "In_Frame_Del", "conservative_inframe_insertion": "In_Frame_Ins",
    "conservative_inframe_deletion": "In_Frame_Del", "missense_variant": "Missense_Mutation",
    "protein_altering_variant": "IF", "splice_region_variant": "Splice_Region",
    "splice_donor_5th_base_variant": "Splice_Region", "splice_donor_region_variant": "Splice_Region",
    "splice_polypyrimidine_tract_variant": "Splice_Region", "incomplete_terminal_codon_variant": "Silent",
    "start_retained_variant": "Silent", "stop_retained_variant": "Silent", "synonymous_variant": "Silent",
    "coding_sequence_variant": "Missense_Mutation", "mature_miRNA_variant": "RNA", "5_prime_UTR_variant": "5'UTR",
    "5_prime_UTR_premature_start_codon_gain_variant": "5'UTR", "3_prime_UTR_variant": "3'UTR",
    "non_coding_transcript_exon_variant": "RNA", "non_coding_exon_variant": "RNA", "intron_variant": "Intron",
    "NMD_transcript_variant": "Silent", "non_coding_transcript_variant": "RNA", "upstream_gene_variant": "5'Flank",
    "downstream_gene_variant": "3'Flank", "TFBS_ablation": "Targeted_Region", "TFBS_amplification": "Targeted_Region",
    "TF_binding_site_variant": "IGR", "regulatory_region_ablation": "Targeted_Region",
    "regulatory_region_amplification": "Targeted_Region", "regulatory_region_variant": "IGR",
    "feature_elongation": "Targeted_Region", "feature_truncation": "Targeted_Region", "intergenic_variant": "IGR",
    "intergenic_region": "IGR",
}
# Most severe first (VEP's order); an '&'-list is classified by its most severe term.
SEVERITY = list(SO_TO_MAF)

SO_TO_CODING = {
    "stop_gained": "NONSENSE_OR_FRAMESHIFT", "frameshift_variant": "NONSENSE_OR_FRAMESHIFT", "stop_lost": "NONSENSE_OR_FRAMESHIFT",
    "start_lost": "NONSENSE_OR_FRAMESHIFT", "splice_acceptor_variant": "SPLICE", "splice_donor_variant": "SPLICE",
    "missense_variant": "MISSENSE", "inframe_insertion": "MISSENSE", "inframe_deletion": "MISSENSE",
    "disruptive_inframe_insertion": "MISSENSE", "disruptive_inframe_deletion": "MISSENSE",
    "conservative_inframe_insertion": "MISSENSE", "conservative_inframe_deletion": "MISSENSE",
    "protein_altering_variant": "MISSENSE", "synonymous_variant": "SYNONYMOUS", "stop_retained_variant": "SYNONYMOUS",
}


def decode(text: str | None) -> str | None:
    """VCF 4.3 percent-encoding (%3B for ';' ...) back to characters; '%25' last so it is not decoded twice."""
    if text is None or "%" not in text:
        return text
    for code, char in PERCENT_CODES:
        text = text.replace(code, char)
    return text


def _empty(value: str) -> str | None:
    return value if value not in ("", ".") else None


def parse_impact(raw: str | None) -> dict[str, str | None]:
    """PAVE IMPACT (Number=10): Gene, Transcript, CanonicalEffect, CodingEffect, SpliceRegion, HGVS c./p., ..."""
    if raw is None:
        return {}
    parts = raw.split(",")
    parts += [""] * (len(IMPACT_FIELDS) - len(parts))
    values = {name: _empty(decode(parts[i]) or "") for i, name in enumerate(IMPACT_FIELDS)}
    for key in ("coding_effect", "worst_coding_effect"):
        if values[key] is not None and values[key] not in codes.CODING_EFFECTS:
            values[key] = "UNDEFINED"
    return values


def _pick(entries: list[dict[str, str]], allele: str, canonical_key: str | None) -> dict[str, str] | None:
    mine = [e for e in entries if e.get("Allele", allele) in (allele, "-" if len(allele) == 0 else allele)] or entries
    if canonical_key:
        for e in mine:
            if e.get(canonical_key) == "YES":
                return e
    return mine[0] if mine else None


def coding_effect(effects: str | None) -> str | None:
    if effects is None:
        return None
    found = [SO_TO_CODING[t] for t in effects.split("&") if t in SO_TO_CODING]
    order = codes.CODING_EFFECTS
    return min(found, key=order.index) if found else "NONE"


def parse_csq(raw: str | None, fields: list[str], allele: str) -> dict[str, str | None]:
    """VEP CSQ: the canonical transcript's consequence for this allele (else the first)."""
    if raw is None or not fields:
        return {}
    entries = [dict(zip(fields, (decode(v) or "" for v in item.split("|")))) for item in raw.split(",")]
    vep_allele = allele
    e = _pick(entries, vep_allele, "CANONICAL")
    if e is None:
        return {}
    effect = _empty(e.get("Consequence", ""))
    hgvsc = _empty(e.get("HGVSc", ""))
    hgvsp = _empty(e.get("HGVSp", ""))
    return {
        "gene": _empty(e.get("SYMBOL", "")), "transcript": _empty(e.get("Feature", "")), "canonical_effect": effect,
        "coding_effect": coding_effect(effect), "hgvs_coding": hgvsc.split(":", 1)[-1] if hgvsc else None,
        "hgvs_protein": hgvsp.split(":", 1)[-1] if hgvsp else None,
        "worst_coding_effect": _worst([coding_effect(_empty(x.get("Consequence", ""))) for x in entries]),
    }


def parse_ann(raw: str | None, fields: list[str], allele: str) -> dict[str, str | None]:
    """SnpEff ANN: the first (most severe) annotation of this allele."""
    if raw is None:
        return {}
    names = fields or ["Allele", "Annotation", "Annotation_Impact", "Gene_Name", "Gene_ID", "Feature_Type", "Feature_ID",
                       "Transcript_BioType", "Rank", "HGVS.c", "HGVS.p"]
    entries = [dict(zip(names, (decode(v) or "" for v in item.split("|")))) for item in raw.split(",")]
    e = _pick(entries, allele, None)
    if e is None:
        return {}
    effect = _empty(e.get("Annotation", ""))
    return {
        "gene": _empty(e.get("Gene_Name", "")), "transcript": _empty(e.get("Feature_ID", "")), "canonical_effect": effect,
        "coding_effect": coding_effect(effect), "hgvs_coding": _empty(e.get("HGVS.c", "")),
        "hgvs_protein": _empty(e.get("HGVS.p", "")),
        "worst_coding_effect": _worst([coding_effect(_empty(x.get("Annotation", ""))) for x in entries]),
    }


def _worst(values: list[str | None]) -> str | None:
    present = [v for v in values if v]
    return min(present, key=codes.CODING_EFFECTS.index) if present else None


def classify(effects: str | None, gene: str | None, ref_len: int, alt_len: int, annotated: bool) -> str | None:
    """MAF Variant_Classification of the canonical effect(s); None when the file has no annotation."""
    if not annotated:
        return None
    if not effects:
        return "IGR" if not gene else "Unknown"
    terms = [t for t in effects.split("&") if t in SO_TO_MAF]
    if not terms:
        return "Unknown"
    label = SO_TO_MAF[min(terms, key=SEVERITY.index)]
    if label == "FS":
        return "Frame_Shift_Del" if ref_len > alt_len else "Frame_Shift_Ins"
    if label == "IF":
        return "In_Frame_Del" if ref_len > alt_len else "In_Frame_Ins"
    return label


def variant_type(ref: str, alt: str) -> str:
    if len(ref) == len(alt):
        return "SNP" if len(ref) == 1 else "MNP"
    return "INDEL"


def default_filtered(classification: str | None) -> bool:
    return classification in codes.DEFAULT_FILTERED_CLASSIFICATIONS
