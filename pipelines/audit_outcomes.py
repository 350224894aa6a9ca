"""Precision measured from officers' outcomes, beside the model's estimate (the audit's ``outcomes``).

Per prospect its latest outcome (``pipelines.feedback.latest_outcomes``). A **decisive** outcome says
whether listing it was right: right (``contract.outcomes.RIGHT``: đã tham gia, hẹn lại: the officer met
the person the registers describe, and they were not covered), wrong (``WRONG``: không đúng người, đã có
BHXH nơi khác). Không gặp, chuyển đi, đã mất decide nothing about the model (nobody was met, or the
registers were behind) and are only counted. Per group, and per commune and group: the decisive count,
the right ones, the precision with its Wilson 95 % interval, and beside it the model's estimate for the
same prospects: the mean of their confidence on the night their workbook was made.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from contract.groups import ALL_GROUPS
from contract.outcomes import OUTCOMES, RIGHT, WRONG

__all__ = ["outcome_precision", "wilson"]


def wilson(right: int, total: int, z: float = 1.959964) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (95 % by default); None without any case.

    >>> wilson(8, 10)
    (0.49016, 0.94332)
    >>> wilson(0, 0) is None
    True
    """
    if total <= 0:
        return None
    share = right / total
    centre = (share + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(share * (1 - share) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return round(max(0.0, centre - half), 5), round(min(1.0, centre + half), 5)


def _figures(part: pd.DataFrame) -> dict[str, Any]:
    decisive = part[part["code"].isin(RIGHT | WRONG)]
    right = int(decisive["code"].isin(RIGHT).sum())
    interval = wilson(right, len(decisive))
    confidence = pd.to_numeric(decisive["confidence"], errors="coerce").dropna()
    return {"outcomes": len(part), "decisive": len(decisive), "right": right,
            "precision": round(right / len(decisive), 5) if len(decisive) else None,
            "precision_low": interval[0] if interval else None, "precision_high": interval[1] if interval else None,
            "model_estimate": round(float(confidence.mean()), 5) if len(confidence) else None,
            "by_outcome": {code: int((part["code"] == code).sum()) for code, _ in OUTCOMES}}


def outcome_precision(latest: pd.DataFrame) -> dict[str, Any]:
    """The audit's ``outcomes`` section from each prospect's latest outcome (``OUTCOME_COLUMNS``)."""
    order = {g: i for i, g in enumerate(ALL_GROUPS)}
    groups = sorted(set(latest["group"]), key=lambda g: (order.get(g, len(order)), g))
    communes = [{"ward_code": w, "group": g, **_figures(part)}
                for (w, g), part in latest.groupby(["ward_code", "group"], sort=True)]
    return {"total": _figures(latest), "by_group": {g: _figures(latest[latest["group"] == g]) for g in groups},
            "by_commune_and_group": communes}
