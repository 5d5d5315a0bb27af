"""The README and acknowledgement text of a release, generated from the data dictionary
so every file and column a licensee receives is described by the same words the model
defines (and never describes a column the release does not hold)."""

from __future__ import annotations

from typing import Any

from onconode.model import MODEL_VERSION, TABLES_BY_NAME
from onconode.release.variant_text import MAF_OPTIONAL
from onconode.release.writers import METADATA_TABLES


def _columns(table: str, columns: list[str]) -> list[str]:
    t = TABLES_BY_NAME[table]
    by = {c.name: c for c in t.columns}
    out = ["| column | type | description |", "|---|---|---|"]
    for name in columns:
        c = by[name]
        unit = f" ({c.unit})" if c.unit else ""
        pseudo = " Pseudonym specific to this release." if name in ("patient_id", "sample_id", "treatment_id") else ""
        out.append(f"| `{name}` | {c.kind.value}{unit} | {c.description}{pseudo} |")
    return out


def readme(meta: dict[str, Any], items: dict[str, list[str]], vcf: bool, maf: bool, acknowledgement: str) -> str:
    lines = [
        f"# Release of {meta['application']} (freeze {meta['freeze']})", "",
        f"Data released under {meta['application']} from data freeze {meta['freeze']} "
        f"(harmonized model {MODEL_VERSION}): {meta['patients']} patients, {meta['samples']} samples.",
        "Only the data items approved for this application are included, for patients whose consent covers its purpose;",
        "patients who withdrew consent are never included.", "",
        "## Identifiers", "",
        "`patient_id`, `sample_id` and `treatment_id` are pseudonyms made for this release only (P…, S…, T… followed by",
        "12 hexadecimal digits). They differ in every other release, so do not try to join this data with another",
        "licence's data. The same ids are used in every file of this release.", "",
        "## Verify the files", "",
        "Every file's size and SHA-256 are in `manifest.json`; the same checksums are in `SHA256SUMS`:", "",
        "```", "sha256sum -c SHA256SUMS", "# or, with onconode installed:", "onconode release verify .", "```", "",
        "## Files", "",
        "| file | content |", "|---|---|",
        "| `README.md` | this description |",
        "| `ACKNOWLEDGEMENT.txt` | the text every publication using this data must include |",
        "| `manifest.json` | application, freeze, row counts and SHA-256 of every file |",
        "| `SHA256SUMS` | checksums for `sha256sum -c` |",
        "| `metadata.tsv` | one row per sample: `patient_id`, `sample_id`, then the approved columns of sample, tumor_profile and patient |",
    ]
    for table in items:
        lines.append(f"| `tables/{table}.parquet`, `tables/{table}.tsv` | {TABLES_BY_NAME[table].description} ({meta['tables'][table]} rows) |")
    if vcf:
        lines.append("| `somatic/<sample_id>.somatic.vcf.gz` (+ `.tbi`) | somatic variants of one sample, VCF 4.3, bgzipped and tabix-indexed |")
    if maf:
        lines.append("| `somatic/somatic_variants.maf` | all somatic variants in MAF 2.4 (cBioPortal, maftools) |")
    germline_withheld = meta["excluded"].get("germline_without_consent")
    if germline_withheld is not None:
        lines += ["", f"Germline tables hold only patients whose consent includes germline use (DUO:0000038); "
                  f"{germline_withheld} released patient(s) without it have no germline rows."]
    lines += ["", "Tables are sorted by their key; TSV files are tab-separated with a header line, empty for missing values.", ""]
    lines += ["## Columns", ""]
    meta_cols = [c for t in METADATA_TABLES for c in items.get(t, []) if c not in ("sample_id", "patient_id")]
    for table, columns in items.items():
        lines += [f"### `{table}`", "", TABLES_BY_NAME[table].description, ""] + _columns(table, columns) + [""]
    if meta_cols:
        lines += ["`metadata.tsv` repeats these columns of sample, tumor_profile and patient per sample: "
                  + ", ".join(f"`{c}`" for c in meta_cols) + ".", ""]
    if vcf:
        lines += ["### VCF", "",
                  "Sites-only VCF per sample (the sample's pseudonym is in the file name and the `##tumorSample` line). "
                  "INFO holds the approved columns of somatic_variant, upper-cased (e.g. `GENE`, `VAF`); values are "
                  "percent-encoded as VCF 4.3 requires. Read a region with `tabix FILE 7:140000000-141000000`.", ""]
    if maf:
        optional = [f"`{name}` ({col})" for col, name in MAF_OPTIONAL if col in items.get("somatic_variant", [])]
        lines += ["### MAF", "",
                  "Alleles follow the MAF convention: no padding base, `-` for an empty allele; insertions span the two "
                  "flanking positions. Columns: `Tumor_Sample_Barcode` (sample pseudonym), `Chromosome`, `Start_Position`, "
                  "`End_Position`, `Strand`, `Variant_Type`, `Reference_Allele`, `Tumor_Seq_Allele1`, `Tumor_Seq_Allele2`"
                  + (", " + ", ".join(optional) if optional else "") + ".", ""]
    lines += ["## Acknowledgement", "", acknowledgement, ""]
    return "\n".join(lines)
