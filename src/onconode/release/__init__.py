"""Licensed data releases: select exactly the approved data, pseudonymize it per DAR,
build a reproducible extract with a manifest, deliver it to MFA-verified download
contacts (asking `onconode.access.entitlements`), verify and trace it.

Modules: `selection` (who and what), `pseudonym` (per-DAR keys, trace), `writers`
(Parquet/TSV/VCF/MAF/metadata), `readme`, `manifest` (checksums, verify), `builder`
(atomic, byte-reproducible build), `storage` (fsspec), `delivery` (signed links, Range,
audit), `term` (end of term: reminders and office report).
"""

from __future__ import annotations


class ReleaseError(Exception):
    """A release cannot be built, delivered or verified; the message says why and what to do."""
