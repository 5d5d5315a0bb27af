"""Column shorthands and the identifier columns every table family shares."""

from __future__ import annotations

from onconode.model.schema import Kind as K
from onconode.model.schema import col

S, I, F, B, D = K.STRING, K.INT, K.FLOAT, K.BOOL, K.DATE

SAMPLE_ID = col("sample_id", S, "Tumour sample pseudonym assigned by the node, e.g. HMF000001A.", required=True)
PATIENT_ID = col("patient_id", S, "Patient pseudonym assigned by the node, e.g. HMF000001.", required=True)
