"""One sample's files of the WiGiTS tools beyond PURPLE / LINX / CHORD: CUPPA, LILAC, Virus
Interpreter, SIGS, PEACH, TEAL, Isofox and QSEE, as file text in the tools' own layouts.

The text is the single source of these tables: `--out` writes it, and `--into-store`
reads the same text with the ingest's own readers (loader_tools.py), so both paths give
the same rows by construction. Values are plausible, not real: CUPPA's top prediction
agrees with the primary tumour most of the time, HLA alleles follow European allele
frequencies, HPV is found in a share of head-and-neck tumours and HBV in liver cancers,
signature shares follow the tumour's mutational processes (smoking, UV, MSI, POLE, HRD).
"""

from __future__ import annotations

import numpy as np

from onconode.ingest.genes import gene as lookup_gene
from onconode.synth.cohort import SampleParams, rng
from onconode.synth.mode import Mode
from onconode.synth.tumours import TRANSCRIPTS

TOOL_STREAM = 13
RNA_SHARE = 0.3           # samples with a tumour RNA run (Isofox)

# CUPPA v2 cancer-type labels per synthetic tumour key (None: no single answer, a CUP)
CUPPA_CLASS = {
    "breast": "Breast", "colorectal": "Colorectum/Small intestine/Appendix", "nsclc": "Lung: Non-small cell: LUAD",
    "sclc": "Lung: Small cell", "prostate": "Prostate", "melanoma": "Skin: Melanoma", "sarcoma": "Bone/Soft tissue: Other",
    "ovarian": "Ovary/Fallopian tube", "pancreatic": "Pancreas", "esophageal": "Esophagus/Stomach",
    "stomach": "Esophagus/Stomach", "urothelial": "Urothelial tract", "kidney": "Kidney",
    "head_and_neck": "Head and neck: Other", "cholangiocarcinoma": "Biliary tract", "hcc": "Liver",
    "glioblastoma": "CNS: Glioma", "mesothelioma": "Mesothelium", "neuroendocrine": "Pancreas: Neuroendocrine",
    "cup": None, "endometrial": "Uterus: Endometrium", "aml": "Myeloid: Acute myeloid leukemia",
}
CUPPA_CLASSES = sorted({c for c in CUPPA_CLASS.values() if c})
CUPPA_AGREES = 0.85
CUPPA_CLASSIFIERS = (("combined", "combined"), ("dna", "dna_combined"))

# HLA class I allele frequencies (European populations, allelefrequencies.net order of magnitude)
HLA = {
    "A": {"A*02:01": .28, "A*01:01": .16, "A*03:01": .14, "A*24:02": .09, "A*11:01": .06, "A*68:01": .04,
          "A*32:01": .035, "A*26:01": .03, "A*29:02": .03, "A*31:01": .025, "A*23:01": .02, "A*25:01": .02, "A*30:01": .015},
    "B": {"B*07:02": .13, "B*08:01": .11, "B*44:02": .09, "B*35:01": .06, "B*15:01": .06, "B*40:01": .05, "B*18:01": .05,
          "B*51:01": .05, "B*44:03": .05, "B*57:01": .04, "B*27:05": .04, "B*14:02": .03, "B*13:02": .03, "B*38:01": .02},
    "C": {"C*07:01": .15, "C*07:02": .14, "C*04:01": .11, "C*05:01": .09, "C*06:02": .09, "C*03:04": .08, "C*12:03": .06,
          "C*02:02": .05, "C*03:03": .05, "C*08:02": .04, "C*01:02": .04, "C*15:02": .03, "C*16:01": .03},
}

# (taxid, name, interpretation, tumours, share of them)
VIRUSES = (
    (333760, "Human papillomavirus type 16", "HPV", ("head_and_neck",), 0.22),
    (333761, "Human papillomavirus type 18", "HPV", ("head_and_neck",), 0.03),
    (10407, "Hepatitis B virus", "HBV", ("hcc",), 0.35),
    (10376, "Human gammaherpesvirus 4", "EBV", ("stomach", "head_and_neck"), 0.05),
)

SIG_BASE = {"SBS1": 3.0, "SBS5": 4.0, "SBS40": 3.0, "SBS18": 1.0}
SIG_EXTRA = {
    "nsclc": {"SBS4": 6.0}, "sclc": {"SBS4": 8.0}, "melanoma": {"SBS7a": 20.0}, "breast": {"SBS2": 2.0, "SBS13": 2.0},
    "urothelial": {"SBS2": 4.0, "SBS13": 4.0}, "head_and_neck": {"SBS2": 3.0, "SBS13": 3.0, "SBS4": 2.0},
    "esophageal": {"SBS17b": 4.0}, "stomach": {"SBS17b": 3.0}, "colorectal": {"SBS1": 2.0},
}

# PEACH 2 genes: (haplotype, population frequency, function), linked drugs
PEACH = {
    "DPYD": ((("*1", .97, "Normal Function"), ("*2A", .01, "No Function"), ("c.2846A>T", .01, "Reduced Function"),
              ("*13", .01, "No Function")), "5-Fluorouracil;Capecitabine;Tegafur"),
    "UGT1A1": ((("*1", .65, "Normal Function"), ("*28", .33, "Reduced Function"), ("*6", .02, "Reduced Function")),
               "Irinotecan"),
}
# Germline calls (GRCh37): (gene, chrom, pos, ref, alt, effect, coding effect, hgvs c., hgvs p., PATH, CLNSIG)
GERMLINE_PATHOGENIC = {
    "BRCA1": ("17", 41276044, "ACT", "A", "frameshift_variant", "NONSENSE_OR_FRAMESHIFT", "c.68_69delAG", "p.Glu23fs",
              "PATHOGENIC", "Pathogenic"),
    "BRCA2": ("13", 32914437, "GT", "G", "frameshift_variant", "NONSENSE_OR_FRAMESHIFT", "c.5946delT", "p.Ser1982fs",
              "PATHOGENIC", "Pathogenic"),
    "CHEK2": ("22", 29091856, "AG", "A", "frameshift_variant", "NONSENSE_OR_FRAMESHIFT", "c.1100delC", "p.Thr367fs",
              "PATHOGENIC", "Pathogenic"),
    "ATM": ("11", 108198384, "T", "G", "missense_variant", "MISSENSE", "c.7271T>G", "p.Val2424Gly",
            "PATHOGENIC", "Pathogenic"),
    "MUTYH": ("1", 45798475, "T", "C", "missense_variant", "MISSENSE", "c.536A>G", "p.Tyr179Cys",
              "LIKELY_PATHOGENIC", "Pathogenic/Likely_pathogenic"),
}
GERMLINE_COMMON = (   # benign polymorphisms most germline VCFs carry
    ("BRCA2", "13", 32929387, "T", "C", "missense_variant", "MISSENSE", "c.7397T>C", "p.Val2466Ala", "BENIGN", "Benign", .95),
    ("BRCA1", "17", 41244936, "T", "C", "missense_variant", "MISSENSE", "c.3113A>G", "p.Glu1038Gly", "BENIGN", "Benign", .35),
)
BRCA_CARRIER = 0.4       # HR-deficient BRCA-type tumours carrying the germline variant
OTHER_CARRIER = 0.03     # any patient carrying one of the other pathogenic variants
ISOFOX_GENES = ("ERBB2", "ESR1", "AR", "MYC", "EGFR", "KRAS", "CD274", "TP53", "PTEN", "CDKN2A", "MET", "ALK")
TUMOUR_EXPRESSION = {"breast": {"ESR1": 40.0, "ERBB2": 3.0}, "prostate": {"AR": 30.0}, "nsclc": {"EGFR": 3.0, "CD274": 2.0},
                     "melanoma": {"CD274": 2.0}}

HEADERS = {
    "cuppa": "sample_id data_type clf_group clf_name feat_name feat_value cancer_type data_value rank rank_group",
    "lilac": "Genes Allele RefTotal RefUnique RefShared RefWild TumorTotal TumorUnique TumorShared TumorWild RnaTotal "
             "RnaUnique RnaShared RnaWild TumorCopyNumber SomaticMissense SomaticNonsenseOrFrameshift SomaticSplice "
             "SomaticSynonymous SomaticInframeIndel",
    "lilac_qc": "Genes Status ScoreMargin NextSolutionAlleles MedianBaseQuality HlaYAllele DiscardedIndels "
                "DiscardedIndelMaxFrags DiscardedAlignmentFragments LowCoverageBases geneTypes TotalFragments FittedFragments "
                "UnmatchedFragments UninformativeFragments HlaYFragments PercentUnique PercentShared PercentWildcard "
                "UnusedAminoAcids UnusedAminoAcidMaxFrags UnusedHaplotypes UnusedHaplotypeMaxFrags SomaticVariantsMatched "
                "SomaticVariantsUnmatched",
    "virus": "taxid name qcStatus integrations interpretation percentageCovered meanCoverage expectedClonalCoverage "
             "reported blacklisted driverLikelihood",
    "sigs": "signature allocation percent",
    "peach": "gene haplotype count function linkedDrugs prescriptionUrls",
    "teal": "sampleId type rawTelomereLength finalTelomereLength fullFragments cRichPartialFragments gRichPartialFragments "
            "totalTelomericReads purity ploidy duplicateProportion meanReadDepth gc50ReadDepth",
    "isofox_summary": "SampleId QcStatus TotalFragments DuplicateFragments SplicedFragmentPerc UnsplicedFragmentPerc "
                      "AltFragmentPerc ChimericFragmentPerc SplicedGeneCount ReadLength FragLength5th FragLength50th "
                      "FragLength95th EnrichedGenePercent MedianGCRatio ForwardStrandPercent",
    "isofox_gene": "GeneId GeneName Chromosome GeneLength IntronicLength TranscriptCount GeneSetId SplicedFragments "
                   "UnsplicedFragments AdjTPM RawTPM FitResiduals LowMapQualFrags MedianTpmCancer PercentileCancer "
                   "MedianTpmCohort PercentileCohort ReportedStatus",
    "qsee": "SampleId SampleType SourceTool FeatureType FeatureName FeatureValue QcStatus FailCondition",
}


def _tsv(kind: str, rows: list[list[object]], sep: str = "\t") -> str:
    def cell(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v)
    return "".join(sep.join(cell(v) for v in r) + "\n" for r in [HEADERS[kind].split(), *rows])


def _pick(r: np.random.Generator, freqs: dict[str, float], n: int) -> list[str]:
    names = list(freqs)
    p = np.array([freqs[k] for k in names])
    return [names[i] for i in r.choice(len(names), size=n, p=p / p.sum())]


def cuppa(r: np.random.Generator, p: SampleParams) -> str:
    truth = CUPPA_CLASS.get(p.tumour)
    rows = []
    for group, name in CUPPA_CLASSIFIERS:
        weights = r.gamma(0.3, 1.0, len(CUPPA_CLASSES))
        if truth and r.random() < CUPPA_AGREES:
            weights[CUPPA_CLASSES.index(truth)] = weights.sum() * r.uniform(1.0, 12.0)
        probs = weights / weights.sum()
        for rank, i in enumerate(np.argsort(-probs, kind="stable"), start=1):
            rows.append([p.sample_id, "prob", group, name, "", "", CUPPA_CLASSES[i], round(float(probs[i]), 4), rank, 0])
    return _tsv("cuppa", rows)


def lilac(r: np.random.Generator, p: SampleParams, v3: bool) -> str:
    """LILAC's alleles; LILAC 2.0 (WiGiTS 3.0) adds the leading Genes column."""
    rows = []
    for gene, freqs in HLA.items():
        for allele in sorted(_pick(r, freqs, 2)):
            total = int(r.integers(800, 1600))
            rows.append([f"HLA-{gene}", allele, total, total // 3, total // 2, total - total // 3 - total // 2,
                         total // 2, total // 6, total // 4, total // 2 - total // 6 - total // 4, 0, 0, 0, 0,
                         round(float(r.uniform(0.6, 1.4)), 2), 0, 0, 0, 0, 0])
    text = _tsv("lilac", rows)
    return text if v3 else "".join(line.split("\t", 1)[1] + "\n" for line in text.splitlines())


def lilac_qc(r: np.random.Generator) -> str:
    """LILAC 2.0's QC line for the class I genes."""
    total = int(r.integers(4000, 9000))
    return _tsv("lilac_qc", [["HLA_CLASS_I", "PASS", round(float(r.uniform(5, 60)), 2), 0, 37, "NONE", 0, 0, 0, 0,
                              "A;B;C", total, int(total * .97), int(total * .01), int(total * .02), 0, .6, .35, .05,
                              0, 0, 0, 0, 0, 0]])


def viruses(r: np.random.Generator, p: SampleParams) -> str | None:
    rows = []
    for taxid, name, interpretation, tumours, share in VIRUSES:
        if p.tumour in tumours and r.random() < share:
            integrations = int(r.integers(0, 6))
            rows.append([taxid, name, "NO_ABNORMALITIES", integrations, interpretation, round(float(r.uniform(.8, 1)), 3),
                         round(float(r.uniform(5, 200)), 1), round(float(r.uniform(5, 50)), 1), True, False,
                         "HIGH" if integrations else "LOW"])
    return _tsv("virus", rows)


def signatures(r: np.random.Generator, p: SampleParams) -> str:
    weights = dict(SIG_BASE)
    for k, v in SIG_EXTRA.get(p.tumour, {}).items():
        weights[k] = weights.get(k, 0.0) + v
    if p.msi:
        weights.update(SBS6=12.0, SBS44=8.0)
    if p.pole:
        weights["SBS10a"] = 30.0
    if p.hrd:
        weights["SBS3"] = 10.0
    names = sorted(weights)
    shares = r.dirichlet([weights[k] * 2 for k in names])
    snvs = max(1, int(p.burden * 0.9))
    return _tsv("sigs", [[k, round(float(s * snvs), 1), round(float(s), 4)] for k, s in zip(names, shares)])


def peach(r: np.random.Generator) -> str:
    rows = []
    for gene, (haplotypes, drugs) in PEACH.items():
        names = [h[0] for h in haplotypes]
        got = sorted(_pick(r, {h[0]: h[1] for h in haplotypes}, 2))
        for hap in sorted(set(got)):
            rows.append([gene, hap, got.count(hap), haplotypes[names.index(hap)][2], drugs, ""])
    return _tsv("peach", rows)


def teal(r: np.random.Generator, p: SampleParams, sample: str, kind: str) -> str:
    length = float(r.normal(4200 if kind == "tumor" else 5600, 900))
    return _tsv("teal", [[sample, kind, round(length * 1.05, 1), round(length, 1), int(r.integers(200, 900)),
                          int(r.integers(50, 300)), int(r.integers(50, 300)), int(r.integers(2000, 9000)),
                          p.purity if kind == "tumor" else 0.0, p.ploidy if kind == "tumor" else 2.0,
                          round(float(r.uniform(.05, .2)), 3), round(float(r.uniform(30, 110)), 1),
                          round(float(r.uniform(30, 110)), 1)]])


def isofox(r: np.random.Generator, p: SampleParams, rna: str, sep: str, v3: bool) -> tuple[str, str]:
    summary = _tsv("isofox_summary", [[rna, "PASS", int(r.integers(40_000_000, 90_000_000)), int(r.integers(5_000_000, 20_000_000)),
                                       .6, .3, .05, .02, 16000, 151, 100, 250, 500, .1, .9, .5]], sep)
    boost = TUMOUR_EXPRESSION.get(p.tumour, {})
    amplified = {e.gene for e in p.events if e.kind == "amp"}
    rows = []
    for name in ISOFOX_GENES:
        g = lookup_gene(name)
        tpm = float(r.lognormal(np.log(10 * boost.get(name, 1.0) * (8 if name in amplified else 1)), 0.8))
        rows.append([g.ensembl_gene_id, name, g.chromosome_37, 50000, 40000, 5, "", int(tpm * 200), int(tpm * 20),
                     round(tpm, 3), round(tpm * 1.1, 3), 0.0, 0, 10.0, round(float(r.uniform(0, 1)), 3), 10.0,
                     round(float(r.uniform(0, 1)), 3), "NONE"])
    gene = _tsv("isofox_gene", rows, sep)
    if not v3:   # Isofox 1.7 (WiGiTS 2.x): comma-separated, without the cancer/cohort columns and ReportedStatus
        lines = [line.split(sep) for line in gene.splitlines()]
        gene = "".join(",".join(line[:13]) + "\n" for line in lines)
        summary = "".join(",".join(line.split(sep)[:1] + line.split(sep)[2:]) + "\n" for line in summary.splitlines())
    return summary, gene


def germline_vcf(r: np.random.Generator, p: SampleParams, normal: str) -> str:
    """PURPLE's germline VCF: common benign calls, and for a few patients one pathogenic
    variant in a predisposition gene (BRCA1/2 behind most BRCA-type HR deficiency)."""
    calls = [c for c in GERMLINE_COMMON if r.random() < c[-1]]
    carried = []
    if p.hrd and p.hrd_type in ("BRCA1_type", "BRCA2_type") and r.random() < BRCA_CARRIER:
        carried.append(p.hrd_type.split("_")[0])
    elif r.random() < OTHER_CARRIER:
        carried.append(("CHEK2", "ATM", "MUTYH")[int(r.integers(3))])
    calls += [(g, *GERMLINE_PATHOGENIC[g], 0) for g in carried]
    lines = ["##fileformat=VCFv4.2\n",
             '##INFO=<ID=PATH,Number=1,Type=String,Description="Pathogenicity (PAVE, ClinVar-based)">\n',
             f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{normal}\t{p.sample_id}\n"]
    for gene, chrom, pos, ref, alt, effect, coding, hgvs_c, hgvs_p, path, clnsig, _ in sorted(calls, key=lambda c: (int(c[1]), c[2])):
        hom = path == "BENIGN" and r.random() < 0.3
        impact = ",".join([gene, TRANSCRIPTS.get(gene, ""), effect, coding, "false", hgvs_c, hgvs_p, "", coding, "1"])
        info = f"CLNSIG={clnsig};IMPACT={impact};PATH={path};PURPLE_AF=0.5;PURPLE_CN=2.0;PURPLE_MACN=1.0;PURPLE_VCN=1.0"
        if path != "BENIGN":
            info += ";REPORTED"
        gt = "1/1" if hom else "0/1"
        lines.append(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t500\tPASS\t{info}\tGT:AD:DP\t{gt}:{0 if hom else 18},{36 if hom else 18}:36"
                     f"\t{gt}:{0 if hom else 40},{80 if hom else 40}:80\n")
    return "".join(lines)


def qsee(r: np.random.Generator, p: SampleParams, normal: str | None) -> str:
    rows = [[p.sample_id, "TUMOR", "PURPLE", "SUMMARY_TABLE", "PURITY", round(p.purity, 3), "FAIL" if p.qc_fail else "PASS",
             "<0.195" if p.qc_fail else ""],
            [p.sample_id, "TUMOR", "BAM_METRICS", "SUMMARY_TABLE", "MEAN_COVERAGE", round(float(r.uniform(70, 120)), 1), "PASS", ""]]
    if normal:
        rows.append([normal, "REFERENCE", "BAM_METRICS", "SUMMARY_TABLE", "MEAN_COVERAGE", round(float(r.uniform(30, 45)), 1),
                     "PASS", ""])
    return _tsv("qsee", rows)


def tool_files(seed: int, p: SampleParams, mode: Mode, v3: bool) -> dict[str, str]:
    """Relative path (oncoanalyser's folder per tool) -> text of every tool file the sample's
    run writes: targeted runs have no CUPPA, SIGS, virus or TEAL; tumour-only runs no PEACH
    or normal TEAL or germline VCF; QSEE is new in WiGiTS 3.0 (writers gzip its status file
    and the VCF)."""
    r = rng(seed, TOOL_STREAM, p.index)
    t, normal = p.sample_id, mode.normal_id
    out: dict[str, str] = {f"lilac/{t}.lilac.tsv": lilac(r, p, v3)}
    if v3:
        out[f"lilac/{t}.lilac.qc.tsv"] = lilac_qc(r)
    if not mode.targeted:
        out[f"cuppa/{t}.cuppa.vis_data.tsv"] = cuppa(r, p)
        out[f"virusinterpreter/{t}.virus.annotated.tsv"] = viruses(r, p)
        out[f"sigs/{t}.sig.allocation.tsv"] = signatures(r, p)
        out[f"teal/{t}.teal.tellength.tsv"] = teal(r, p, t, "tumor")
        if normal:
            out[f"teal/{normal}.teal.tellength.tsv"] = teal(r, p, normal, "ref")
    if normal:
        out[f"peach/{normal}.peach.haplotypes.best.tsv"] = peach(r)
        out[f"purple/{t}.purple.germline.vcf"] = germline_vcf(r, p, normal)
    if r.random() < RNA_SHARE:
        ext, sep = (".tsv", "\t") if v3 else (".csv", ",")
        summary, gene = isofox(r, p, f"{t}_RNA", sep, v3)
        out[f"isofox/{t}_RNA.isf.summary{ext}"] = summary
        out[f"isofox/{t}_RNA.isf.gene_data{ext}"] = gene
    if v3:
        out[f"qsee/{t}.qsee.status.tsv"] = qsee(r, p, normal)
    return out
