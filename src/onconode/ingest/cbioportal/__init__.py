"""cBioPortal study folders: meta files, clinical data, MAF, discrete CNA, SV, timeline, case lists."""

from onconode.ingest.cbioportal.study import ingest_cbioportal

__all__ = ["ingest_cbioportal"]
