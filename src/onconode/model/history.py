"""Which model version added which tables: the version a node publishes to federations and
writes into every freeze manifest and release says which tables a reader can expect.

A table added without a new entry here fails tests/model/test_model_history.py, so the
version cannot silently lag the model. Adding tables or columns raises the minor version
(readers of 1.0 still understand 1.1); renaming or removing raises the major version,
which federated tasks check (federation/harmonization.py).
"""

from __future__ import annotations

from onconode.model.tables import TABLES

# version -> the tables it added, oldest first
ADDED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("1.0", ("dataset", "patient", "consent", "sample", "tumor_profile", "treatment", "treatment_drug",
             "treatment_response", "survival_endpoint", "gene_panel", "sample_gene_panel", "somatic_variant",
             "copy_number_segment", "gene_copy_number", "structural_variant", "sv_breakend", "fusion", "driver")),
    # issue 17: every WiGiTS 2.x / 3.0 output (CUPPA, LILAC, viruses, signatures, PEACH, TEAL, Isofox, germline
    # variants and copy numbers, QSEE, LINX clusters/links/drivers and germline SVs, CIDER, tool versions)
    ("1.1", ("cuppa_prediction", "hla_allele", "hla_qc", "virus", "signature_allocation", "pharmacogenomic_haplotype",
             "telomere_length", "rna_statistics", "gene_expression", "novel_splice_junction", "rna_fusion",
             "germline_variant", "qc_metric", "germline_amp_del", "chromosome_arm_copy_number", "sv_driver",
             "sv_cluster", "sv_link", "tool_version", "germline_sv_breakend", "germline_structural_variant",
             "cdr3_sequence", "cdr3_locus_summary")),
)
MODEL_VERSION = ADDED[-1][0]


def added_in(table: str) -> str:
    """The model version that added `table`."""
    for version, tables in ADDED:
        if table in tables:
            return version
    raise KeyError(f"table {table!r} is in no model version of model/history.py: add it to a new version there")


def unversioned() -> list[str]:
    """Tables of the model that no version lists (a change that forgot to raise the version)."""
    listed = {t for _, tables in ADDED for t in tables}
    return [t.name for t in TABLES if t.name not in listed]
