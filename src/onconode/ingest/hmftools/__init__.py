"""hmftools / nf-core/oncoanalyser (WiGiTS) outputs: PURPLE, LINX, CHORD and ORANGE.

`ingest_hmftools(store, path)` loads a sample folder in any layout (oncoanalyser,
Hartwig flat, a folder of sample folders) or one `<sample>.orange.json`.
"""

from onconode.ingest.hmftools.ingest import ingest_hmftools

__all__ = ["ingest_hmftools"]
