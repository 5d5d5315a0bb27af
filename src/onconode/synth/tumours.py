"""The tumour types of the synthetic cohort: mix, sex, mutational burden, drivers, regimens.

The mix follows Hartwig's database (6,048 samples by DOID, June 2023: breast 983,
colorectal 806, lung 804, prostate 508, melanoma 325, sarcoma 303, ovarian 216,
pancreatic 200, ...), with a small share of acute myeloid leukaemia sampled from bone
marrow. Locations are search terms of the embedded tumour curation table and drugs are
canonical names of the embedded drug table, so every synthetic record curates cleanly.
Driver frequencies are rounded literature values for metastatic disease (Priestley 2019
and the cancer-type papers it cites); they shape the data, they are not a reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A driver: (gene, kind, frequency). kind: "hotspot" (a named hotspot of HOTSPOTS),
# "truncating" (nonsense / frameshift anywhere in the gene), "amp", "del" (homozygous),
# or "fusion" (gene is "FIVE_THREE").
Driver = tuple[str, str, float]


@dataclass(frozen=True)
class TumourType:
    key: str
    weight: int
    locations: tuple[str, ...]          # free text as recorded; all curate (tumor_location_mapping.tsv)
    burden_factor: float                # median somatic variants relative to the cohort median
    drivers: tuple[Driver, ...]
    lines: tuple[tuple[tuple[str, float], ...], ...]   # standard regimens per line: (drugs, weight)
    sex_female: float = 0.5
    msi_rate: float = 0.01
    hrd_rate: float = 0.02              # HR deficiency without a BRCA1/2 driver
    tissue_source: str = "tissue"
    median_os_months: float = 18.0
    exclusive: tuple[tuple[str, ...], ...] = field(default=())  # genes whose drivers exclude each other


CHEMO_CUP = (("Carboplatin/Paclitaxel", 1.0),)

TUMOURS: tuple[TumourType, ...] = (
    TumourType(
        "breast", 983, ("breast cancer", "Mammacarcinoom", "breast carcinoma"), 0.6,
        (("PIK3CA", "hotspot", 0.35), ("TP53", "hotspot", 0.2), ("TP53", "truncating", 0.2), ("ESR1", "hotspot", 0.12),
         ("ERBB2", "amp", 0.13), ("CCND1", "amp", 0.18), ("MYC", "amp", 0.12), ("GATA3", "truncating", 0.12),
         ("CDH1", "truncating", 0.12), ("BRCA1", "truncating", 0.04), ("BRCA2", "truncating", 0.05), ("PTEN", "del", 0.05)),
        ((("Letrozole/Palbociclib", 0.5), ("Paclitaxel", 0.3), ("Capecitabine", 0.2)),
         (("Fulvestrant", 0.4), ("Capecitabine", 0.4), ("Eribulin", 0.2)),
         (("Paclitaxel", 0.5), ("Doxorubicin", 0.5))),
        sex_female=0.99, hrd_rate=0.08, median_os_months=26,
    ),
    TumourType(
        "colorectal", 806, ("colorectal cancer", "colon carcinoma", "rectal cancer", "Coloncarcinoom"), 0.8,
        (("APC", "truncating", 0.78), ("TP53", "hotspot", 0.35), ("TP53", "truncating", 0.35), ("KRAS", "hotspot", 0.45),
         ("BRAF", "hotspot", 0.08), ("PIK3CA", "hotspot", 0.15), ("SMAD4", "truncating", 0.15), ("FBXW7", "truncating", 0.1),
         ("MYC", "amp", 0.1)),
        ((("Oxaliplatin/Fluorouracil", 0.45), ("Capecitabine/Oxaliplatin", 0.35), ("Irinotecan/Fluorouracil", 0.2)),
         (("Irinotecan/Fluorouracil/Bevacizumab", 0.6), ("Capecitabine/Bevacizumab", 0.4)),
         (("Trifluridine/tipiracil", 0.6), ("Regorafenib", 0.4))),
        msi_rate=0.05, median_os_months=20, exclusive=(("KRAS", "BRAF"),),
    ),
    TumourType(
        "nsclc", 680, ("non-small cell lung cancer", "NSCLC", "lung adenocarcinoma"), 1.8,
        (("TP53", "hotspot", 0.3), ("TP53", "truncating", 0.3), ("KRAS", "hotspot", 0.3), ("EGFR", "hotspot", 0.12),
         ("STK11", "truncating", 0.15), ("KEAP1", "truncating", 0.12), ("CDKN2A", "del", 0.25),
         ("EML4_ALK", "fusion", 0.04), ("MYC", "amp", 0.1), ("PIK3CA", "hotspot", 0.06)),
        ((("Carboplatin/Pemetrexed/Pembrolizumab", 0.6), ("Pembrolizumab", 0.25), ("Carboplatin/Paclitaxel", 0.15)),
         (("Docetaxel", 0.7), ("Nivolumab", 0.3)),
         (("Gemcitabine", 1.0),)),
        sex_female=0.45, median_os_months=14, exclusive=(("KRAS", "EGFR", "EML4_ALK"),),
    ),
    TumourType(
        "sclc", 124, ("small cell lung cancer", "SCLC"), 2.2,
        (("TP53", "truncating", 0.5), ("TP53", "hotspot", 0.4), ("RB1", "truncating", 0.7), ("MYC", "amp", 0.1)),
        ((("Carboplatin/Etoposide/Atezolizumab", 0.6), ("Cisplatin/Etoposide", 0.4)), (("Topotecan", 1.0),)),
        sex_female=0.45, median_os_months=9,
    ),
    TumourType(
        "prostate", 508, ("prostate cancer", "Prostaatcarcinoom", "castration-resistant prostate cancer"), 0.45,
        (("TP53", "hotspot", 0.2), ("TP53", "truncating", 0.15), ("AR", "amp", 0.5), ("TMPRSS2_ERG", "fusion", 0.4),
         ("PTEN", "del", 0.3), ("BRCA2", "truncating", 0.08), ("MYC", "amp", 0.2)),
        ((("Enzalutamide", 0.5), ("Abiraterone", 0.5)), (("Docetaxel", 1.0),), (("Cabazitaxel", 1.0),)),
        sex_female=0.0, hrd_rate=0.05, median_os_months=22,
    ),
    TumourType(
        "melanoma", 325, ("melanoma", "skin melanoma", "cutaneous melanoma"), 2.5,
        (("BRAF", "hotspot", 0.45), ("NRAS", "hotspot", 0.25), ("TERT", "hotspot", 0.6), ("CDKN2A", "del", 0.45),
         ("PTEN", "del", 0.12), ("TP53", "hotspot", 0.15), ("NF1", "truncating", 0.12)),
        ((("Nivolumab/Ipilimumab", 0.5), ("Pembrolizumab", 0.5)), (("Carboplatin/Paclitaxel", 0.6), ("Dacarbazine", 0.4))),
        sex_female=0.42, median_os_months=24, exclusive=(("BRAF", "NRAS"),),
    ),
    TumourType(
        "sarcoma", 303, ("sarcoma", "soft tissue sarcoma", "leiomyosarcoma", "liposarcoma"), 0.35,
        (("TP53", "truncating", 0.45), ("CDKN2A", "del", 0.2), ("RB1", "truncating", 0.15), ("MDM2", "amp", 0.15)),
        ((("Doxorubicin", 0.6), ("Doxorubicin/Ifosfamide", 0.4)), (("Trabectedin", 0.5), ("Pazopanib", 0.5)),
         (("Gemcitabine/Docetaxel", 1.0),)),
        median_os_months=18,
    ),
    TumourType(
        "ovarian", 216, ("ovarian cancer", "high-grade serous ovarian carcinoma", "Ovariumcarcinoom"), 0.6,
        (("TP53", "hotspot", 0.5), ("TP53", "truncating", 0.45), ("BRCA1", "truncating", 0.12), ("BRCA2", "truncating", 0.08),
         ("CCNE1", "amp", 0.2), ("MYC", "amp", 0.1)),
        ((("Carboplatin/Paclitaxel", 1.0),), (("Doxorubicin", 0.6), ("Carboplatin/Gemcitabine", 0.4)),
         (("Paclitaxel", 1.0),)),
        sex_female=1.0, hrd_rate=0.25, median_os_months=24,
    ),
    TumourType(
        "pancreatic", 200, ("pancreatic cancer", "pancreatic ductal adenocarcinoma"), 0.45,
        (("KRAS", "hotspot", 0.92), ("TP53", "hotspot", 0.4), ("TP53", "truncating", 0.35), ("CDKN2A", "del", 0.4),
         ("SMAD4", "truncating", 0.3), ("BRCA2", "truncating", 0.05)),
        ((("Oxaliplatin/Irinotecan/Fluorouracil", 0.6), ("Gemcitabine/Paclitaxel", 0.4)), (("Gemcitabine", 1.0),)),
        hrd_rate=0.05, median_os_months=8,
    ),
    TumourType(
        "esophageal", 180, ("esophageal cancer", "oesophageal adenocarcinoma"), 1.1,
        (("TP53", "hotspot", 0.45), ("TP53", "truncating", 0.4), ("ERBB2", "amp", 0.15), ("CDKN2A", "del", 0.3)),
        ((("Capecitabine/Oxaliplatin", 0.7), ("Capecitabine/Oxaliplatin/Nivolumab", 0.3)), (("Paclitaxel/Ramucirumab", 1.0),)),
        sex_female=0.25, median_os_months=11,
    ),
    TumourType(
        "stomach", 80, ("gastric cancer", "Maagcarcinoom"), 0.9,
        (("TP53", "hotspot", 0.3), ("TP53", "truncating", 0.3), ("ERBB2", "amp", 0.12), ("CDH1", "truncating", 0.1)),
        ((("Capecitabine/Oxaliplatin", 1.0),), (("Paclitaxel/Ramucirumab", 1.0),)),
        sex_female=0.35, msi_rate=0.08, median_os_months=11,
    ),
    TumourType(
        "urothelial", 150, ("urothelial carcinoma", "bladder cancer"), 1.5,
        (("TP53", "hotspot", 0.25), ("TP53", "truncating", 0.25), ("TERT", "hotspot", 0.7), ("CDKN2A", "del", 0.35),
         ("PIK3CA", "hotspot", 0.2)),
        ((("Cisplatin/Gemcitabine", 0.7), ("Carboplatin/Gemcitabine", 0.3)), (("Pembrolizumab", 1.0),)),
        sex_female=0.25, median_os_months=13,
    ),
    TumourType(
        "kidney", 120, ("renal cell carcinoma", "clear cell renal cell carcinoma"), 0.45,
        (("VHL", "truncating", 0.7), ("PBRM1", "truncating", 0.4), ("SETD2", "truncating", 0.2)),
        ((("Nivolumab/Ipilimumab", 0.5), ("Sunitinib", 0.5)), (("Cabozantinib", 1.0),), (("Everolimus", 1.0),)),
        sex_female=0.3, median_os_months=30,
    ),
    TumourType(
        "head_and_neck", 110, ("head and neck squamous cell carcinoma", "HNSCC"), 1.0,
        (("TP53", "truncating", 0.4), ("TP53", "hotspot", 0.4), ("CDKN2A", "del", 0.3), ("PIK3CA", "hotspot", 0.2)),
        ((("Cisplatin/Fluorouracil/Pembrolizumab", 0.6), ("Pembrolizumab", 0.4)), (("Cetuximab", 0.5), ("Paclitaxel", 0.5))),
        sex_female=0.3, median_os_months=12,
    ),
    TumourType(
        "cholangiocarcinoma", 70, ("cholangiocarcinoma", "bile duct cancer"), 0.5,
        (("IDH1", "hotspot", 0.15), ("TP53", "truncating", 0.3), ("KRAS", "hotspot", 0.2)),
        ((("Cisplatin/Gemcitabine/Durvalumab", 1.0),), (("Oxaliplatin/Fluorouracil", 1.0),)),
        median_os_months=12,
    ),
    TumourType(
        "hcc", 40, ("hepatocellular carcinoma", "HCC"), 0.8,
        (("TP53", "hotspot", 0.3), ("TERT", "hotspot", 0.5)),
        ((("Atezolizumab/Bevacizumab", 0.7), ("Sorafenib", 0.3)), (("Lenvatinib", 1.0),)),
        sex_female=0.25, median_os_months=14,
    ),
    TumourType(
        "glioblastoma", 60, ("glioblastoma", "GBM"), 0.5,
        (("TERT", "hotspot", 0.8), ("CDKN2A", "del", 0.6), ("EGFR", "amp", 0.4), ("PTEN", "del", 0.35), ("TP53", "hotspot", 0.3)),
        ((("Temozolomide", 1.0),), (("Lomustine", 1.0),)),
        sex_female=0.4, median_os_months=10,
    ),
    TumourType(
        "mesothelioma", 60, ("mesothelioma", "pleural mesothelioma"), 0.25,
        (("BAP1", "truncating", 0.5), ("CDKN2A", "del", 0.5), ("NF2", "truncating", 0.3)),
        ((("Nivolumab/Ipilimumab", 0.6), ("Cisplatin/Pemetrexed", 0.4)), (("Gemcitabine", 1.0),)),
        sex_female=0.2, median_os_months=15,
    ),
    TumourType(
        "neuroendocrine", 140, ("neuroendocrine tumor", "neuroendocrine carcinoma"), 0.2,
        (("MEN1", "truncating", 0.3), ("TP53", "truncating", 0.1)),
        ((("Lanreotide", 0.7), ("Capecitabine/Temozolomide", 0.3)), (("Everolimus", 1.0),)),
        median_os_months=40,
    ),
    TumourType(
        "cup", 150, ("cancer of unknown primary", "carcinoma of unknown primary"), 1.0,
        (("TP53", "truncating", 0.3), ("TP53", "hotspot", 0.2), ("KRAS", "hotspot", 0.2), ("CDKN2A", "del", 0.2)),
        (CHEMO_CUP, (("Pembrolizumab", 1.0),)),
        median_os_months=9,
    ),
    TumourType(
        "endometrial", 60, ("endometrial cancer",), 0.8,
        (("PTEN", "truncating", 0.6), ("PIK3CA", "hotspot", 0.4), ("TP53", "hotspot", 0.3), ("ARID1A", "truncating", 0.3)),
        ((("Carboplatin/Paclitaxel", 1.0),), (("Pembrolizumab/Lenvatinib", 1.0),)),
        sex_female=1.0, msi_rate=0.25, median_os_months=20,
    ),
    TumourType(
        "aml", 45, ("acute myeloid leukemia", "AML"), 0.05,
        (("FLT3", "hotspot", 0.25), ("NPM1", "hotspot", 0.3), ("DNMT3A", "hotspot", 0.25), ("IDH1", "hotspot", 0.1),
         ("TP53", "hotspot", 0.08)),
        ((("Cytarabine/Daunorubicin", 0.6), ("Azacitidine/Venetoclax", 0.4)), (("Azacitidine", 1.0),)),
        msi_rate=0.0, tissue_source="bone_marrow", median_os_months=11,
    ),
)

TUMOURS_BY_KEY = {t.key: t for t in TUMOURS}

# Hotspots on GRCh37 (1-based VCF position, REF, ALT as on the forward strand), with the
# canonical transcript's coding and protein change. Positions are the ones COSMIC and
# ClinVar cite; BRAF V600E and EGFR T790M agree with the real COLO829 PURPLE output.
# gene → list of (position, ref, alt, hgvs_c, hgvs_p, coding_effect, canonical_effect, weight)
HOTSPOTS: dict[str, tuple[tuple[int, str, str, str, str, str, str, float], ...]] = {
    "BRAF": ((140453136, "A", "T", "c.1799T>A", "p.Val600Glu", "MISSENSE", "missense_variant", 1.0),),
    "KRAS": (
        (25398284, "C", "T", "c.35G>A", "p.Gly12Asp", "MISSENSE", "missense_variant", 0.35),
        (25398284, "C", "A", "c.35G>T", "p.Gly12Val", "MISSENSE", "missense_variant", 0.25),
        (25398285, "C", "A", "c.34G>T", "p.Gly12Cys", "MISSENSE", "missense_variant", 0.2),
        (25398281, "C", "T", "c.38G>A", "p.Gly13Asp", "MISSENSE", "missense_variant", 0.15),
        (25380275, "T", "G", "c.183A>C", "p.Gln61His", "MISSENSE", "missense_variant", 0.05),
    ),
    "NRAS": (
        (115256530, "G", "T", "c.181C>A", "p.Gln61Lys", "MISSENSE", "missense_variant", 0.5),
        (115256529, "T", "C", "c.182A>G", "p.Gln61Arg", "MISSENSE", "missense_variant", 0.5),
    ),
    "EGFR": (
        (55259515, "T", "G", "c.2573T>G", "p.Leu858Arg", "MISSENSE", "missense_variant", 0.45),
        (55242464, "AGGAATTAAGAGAAGC", "A", "c.2235_2249delGGAATTAAGAGAAGC", "p.Glu746_Ala750del",
         "MISSENSE", "inframe_deletion", 0.55),
    ),
    "PIK3CA": (
        (178952085, "A", "G", "c.3140A>G", "p.His1047Arg", "MISSENSE", "missense_variant", 0.5),
        (178936091, "G", "A", "c.1633G>A", "p.Glu545Lys", "MISSENSE", "missense_variant", 0.3),
        (178936082, "G", "A", "c.1624G>A", "p.Glu542Lys", "MISSENSE", "missense_variant", 0.2),
    ),
    "TP53": (
        (7578406, "C", "T", "c.524G>A", "p.Arg175His", "MISSENSE", "missense_variant", 0.25),
        (7577120, "C", "T", "c.818G>A", "p.Arg273His", "MISSENSE", "missense_variant", 0.25),
        (7577538, "C", "T", "c.743G>A", "p.Arg248Gln", "MISSENSE", "missense_variant", 0.2),
        (7577539, "G", "A", "c.742C>T", "p.Arg248Trp", "MISSENSE", "missense_variant", 0.15),
        (7577094, "G", "A", "c.844C>T", "p.Arg282Trp", "MISSENSE", "missense_variant", 0.15),
    ),
    "ESR1": ((152419922, "A", "G", "c.1613A>G", "p.Asp538Gly", "MISSENSE", "missense_variant", 1.0),),
    "IDH1": ((209113112, "C", "T", "c.395G>A", "p.Arg132His", "MISSENSE", "missense_variant", 1.0),),
    "DNMT3A": ((25457242, "C", "T", "c.2645G>A", "p.Arg882His", "MISSENSE", "missense_variant", 1.0),),
    "NPM1": ((170837543, "C", "CTCTG", "c.860_863dupTCTG", "p.Trp288fs", "NONSENSE_OR_FRAMESHIFT", "frameshift_variant", 1.0),),
    "FLT3": ((28592642, "C", "A", "c.2503G>T", "p.Asp835Tyr", "MISSENSE", "missense_variant", 1.0),),
    "TERT": ((1295228, "G", "A", "c.-124C>T", "", "NONE", "upstream_gene_variant", 1.0),),
}

# Canonical transcripts (Ensembl, GRCh37) of the driver genes, as PURPLE reports them.
TRANSCRIPTS: dict[str, str] = {
    "APC": "ENST00000257430", "AR": "ENST00000374690", "ARID1A": "ENST00000324856", "BAP1": "ENST00000460680",
    "BRAF": "ENST00000288602", "BRCA1": "ENST00000471181", "BRCA2": "ENST00000380152", "CCND1": "ENST00000227507",
    "CCNE1": "ENST00000262643", "CDH1": "ENST00000261769", "CDKN2A": "ENST00000498124", "DNMT3A": "ENST00000264709",
    "EGFR": "ENST00000275493", "ERBB2": "ENST00000269571", "ESR1": "ENST00000206249", "FBXW7": "ENST00000281708",
    "FLT3": "ENST00000241453", "GATA3": "ENST00000379328", "IDH1": "ENST00000415913", "KEAP1": "ENST00000171111",
    "KRAS": "ENST00000256078", "MDM2": "ENST00000258149", "MEN1": "ENST00000337652", "MYC": "ENST00000377970",
    "NF1": "ENST00000358273", "NF2": "ENST00000338641", "NPM1": "ENST00000296930", "NRAS": "ENST00000369535",
    "PBRM1": "ENST00000296302", "PIK3CA": "ENST00000263967", "PTEN": "ENST00000371953", "RB1": "ENST00000267163",
    "SETD2": "ENST00000409792", "SMAD4": "ENST00000342988", "STK11": "ENST00000326873", "TERT": "ENST00000310581",
    "TP53": "ENST00000269305", "VHL": "ENST00000256474", "EML4": "ENST00000318522", "ALK": "ENST00000389048",
    "TMPRSS2": "ENST00000332149", "ERG": "ENST00000288319",
}
ONCOGENES = frozenset({"AR", "BRAF", "CCND1", "CCNE1", "DNMT3A", "EGFR", "ERBB2", "ESR1", "FLT3", "IDH1", "KRAS",
                       "MDM2", "MYC", "NPM1", "NRAS", "PIK3CA", "TERT", "ALK", "ERG"})
# Genes whose copy number every sample reports (cnv.gene.tsv): the driver panel.
PANEL: tuple[str, ...] = tuple(sorted(g for g in TRANSCRIPTS))
