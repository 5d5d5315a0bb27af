"""CUPPA v2 tissue-of-origin predictions → cuppa_prediction.

`vis_data.tsv` (pycuppa visualization/visualization.py) is long: every classifier's
probability per cancer type (data_type `prob`) plus feature contributions, signature
quantiles and cross-validation performance, which are about the model's reasoning and
not stored. `pred_summ.tsv` (classifier/cuppa_prediction.py) holds only each
classifier's top three; it is read when there is no vis_data file.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from onconode.ingest.hmftools.fields import FieldReader
from onconode.ingest.hmftools.layouts import Layout, Row, read_rows
from onconode.ingest.problems import Problems
from onconode.model.tables import CUPPA_PREDICTION

VIS_DATA = (Layout(
    "CUPPA", "CUPPA 2.x vis_data",
    fields={"clf_group": "classifier_group", "clf_name": "classifier", "cancer_type": "cancer_type", "data_value": "probability",
     "rank": "rank"},
    required=("sample_id", "data_type", "clf_group", "clf_name", "cancer_type", "data_value", "rank"),
    derived=("data_type",),
    not_stored={"sample_id": "the sample is the one ingested (file prefix or --as)",
                "feat_name": "feature names belong to feature-contribution rows, which are not stored",
                "feat_value": "feature values belong to feature-contribution rows, which are not stored",
                "rank_group": "a plotting order of the classifiers"},
),)
PRED_SUMM = (Layout(
    "CUPPA", "CUPPA 2.x pred_summ",
    fields={"clf_group": "classifier_group", "clf_name": "classifier"},
    required=("sample_id", "clf_group", "clf_name", "pred_class_1", "pred_prob_1"),
    derived=tuple(f"pred_{k}_{r}" for k in ("class", "prob") for r in (1, 2, 3)),
    not_stored={"sample_id": "the sample is the one ingested (file prefix or --as)",
                "extra_info": "free-text classifier detail", "extra_info_format": "free-text classifier detail",
                "actual_class": "training labels", "is_correct_pred": "training labels", "which_correct_pred": "training labels"},
),)


def _is_probability(raw: Row) -> bool:
    return raw.get("data_type") == "prob" and bool((raw.get("cancer_type") or "").strip())


def read_vis_data(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    """The probability rows of a `.cuppa.vis_data.tsv`, one per classifier and cancer type."""
    _, rows = read_rows(path, problems, CUPPA_PREDICTION, VIS_DATA, keep=_is_probability)
    kept, other = [], Counter()
    for _line, raw, row in rows:
        if _is_probability(raw):
            kept.append(row)
        else:
            other[raw.get("data_type") or "(empty)"] += 1
    if other:
        problems.warning(str(path), None, "data_type", "not stored: " + ", ".join(f"{n} {k} rows" for k, n in sorted(other.items()))
                         + " (CUPPA's feature contributions, signature quantiles and training performance explain the model; "
                         "onconode keeps the probabilities)")
    return {"cuppa_prediction": kept}


def read_pred_summ(path: Path, problems: Problems, ref_genome: str | None = None) -> dict[str, list[Row]]:
    """The top three of each classifier from a `.cuppa.pred_summ.tsv`."""
    _, rows = read_rows(path, problems, CUPPA_PREDICTION, PRED_SUMM)
    reader = FieldReader(path, problems, CUPPA_PREDICTION)
    out = []
    for line, raw, row in rows:
        for rank in (1, 2, 3):
            cancer = raw.get(f"pred_class_{rank}")
            if cancer and cancer.strip() not in ("", "NA", "null"):
                out.append({**row, "cancer_type": cancer.strip(), "rank": rank,
                            "probability": reader.get(raw, line, f"pred_prob_{rank}", "probability")})
    return {"cuppa_prediction": out}
