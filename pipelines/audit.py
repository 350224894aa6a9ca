"""Gathering the audit report's figures: ``audit.json``, and ``audit.html`` rendered from them
(``pipelines/audit_html.py``); written just before ``manifest.json``.

It shows what came in (files, encodings, SHA-256, code version, as-of), where every row went
(read = used + quarantined, per rule; then linked by method, sent to review, unlinked), how the
registers fared against their Great Expectations suites, how well matching worked (match-weight
distribution with thresholds, m/u/weight per comparison level and error-rate estimates when the
model gives them), the prospects per group, province and commune, how sure each list is (expected
precision and recall per group and commune, from the links' probabilities), quality per commune
(``pipelines/audit_communes.py``: rows used and quarantined, old codes mapped, split communes
resolved or flagged, links by method, prospects; worst first), and how to trace any
output row back to its input lines. Whatever an earlier stage did not write is left out with a note: the
report never fails a run for want of an optional figure. No wall-clock time: same run, same bytes.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from contract.groups import ALL_GROUPS, groups_of
from contract.registers import registers_given
from matching.admin_units import current_wards
from pipelines.audit_communes import commune_quality
from pipelines.audit_html import render_html
from pipelines.catalogue import (
    AUDIT_HTML,
    AUDIT_JSON,
    CHANGES,
    ESTIMATES,
    FEEDBACK_OUTCOMES,
    LABOUR_EMPLOYERS,
    MODEL,
    OPEN_PROSPECTS,
    ORG_LINKS,
    PERSON_LINKS,
    PROSPECTS,
    QUALITY_SUMMARY,
    REVIEW,
    SUMMARIES,
    SUPPRESSED,
)
from pipelines.context import RunContext
from pipelines.files import atomic_open, read_columns
from pipelines.ledger import balances, register_ledger
from pipelines.version import code_version

__all__ = ["AuditWritten", "audit_figures", "write_audit"]

log = logging.getLogger(__name__)
LINK_SOURCES = ("insured", "managers", "household_businesses", "labour")


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _parquet(path: Path, columns: list[str] | None = None) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    return read_columns(path, columns) if columns else pd.read_parquet(path)


def _ledger(ingest: dict, validate: dict, links: pd.DataFrame | None, review: pd.DataFrame | None,
            contracts: pd.DataFrame | None = None) -> dict[str, dict[str, Any]]:
    """The row ledger (``pipelines.ledger``), then how the used rows of each person register linked.

    A labour row is a person record only when it is a contract in force with an enterprise or
    cooperative (``contracts``: the link stage's employer of each contract in force); the others
    are counted as such (``not_compared``), not as unlinked."""
    ledger: dict[str, dict[str, Any]] = {}
    for name, row_ledger in register_ledger(ingest, validate).items():
        entry: dict[str, Any] = {k: v for k, v in row_ledger.items() if k != "format"}
        if balances(row_ledger) is not None:
            entry["balances"] = balances(row_ledger)
        if name in LINK_SOURCES and links is not None and entry["rows_used"] is not None:
            mine = links[links["source"] == name]
            by_method = {str(k): int(v) for k, v in mine["method"].value_counts().sort_index().items()}
            linked_rows = int(mine["row_number"].nunique())
            in_review = 0
            if review is not None and "source" in review:
                waiting = review[(review["source"] == name) & ~review["row_number"].isin(mine["row_number"])]
                in_review = int(waiting["row_number"].nunique())
            entry["linking"] = {"linked_by_method": by_method, "linked": linked_rows, "sent_to_review": in_review,
                                "unlinked": entry["rows_used"] - linked_rows - in_review}
            if name == "labour" and contracts is not None:
                in_force = len(contracts)
                no_org = int(contracts["tax_code"].isna().sum())
                entry["linking"]["not_compared"] = {"not_in_force": entry["rows_used"] - in_force,
                                                    "no_enterprise_or_cooperative": no_org}
                entry["linking"]["unlinked"] -= entry["rows_used"] - in_force + no_org
        ledger[name] = entry
    return ledger


def _histogram(weights: pd.Series, bins: int = 30) -> dict[str, list[float]]:
    values = weights.dropna().to_numpy(dtype=float)
    if values.size == 0:
        return {"edges": [], "counts": []}
    counts, edges = np.histogram(values, bins=bins)
    return {"edges": [round(float(e), 3) for e in edges], "counts": [int(c) for c in counts]}


def _matching(ctx: RunContext, links: pd.DataFrame | None) -> dict[str, Any]:
    summary = _json(SUMMARIES["link"].path(ctx))
    out: dict[str, Any] = {"thresholds": summary.get("thresholds"), "blocking_counts": summary.get("blocking_counts")}
    # The model's own estimates travel among the thresholds (LinkSummary.thresholds).
    pool = summary.get("thresholds") or {}
    rates = {k: v for k, v in pool.items() if isinstance(v, int | float) and not isinstance(v, bool)
             and any(w in k for w in ("false", "missed", "precision", "recall"))}
    if "expected_precision" in rates:
        rates["estimated_false_match_rate"] = round(1 - rates["expected_precision"], 6)
    if "expected_recall" in rates:
        rates["estimated_missed_match_rate"] = round(1 - rates["expected_recall"], 6)
    out["error_rates"] = rates or None
    if summary.get("labels"):  # clerks' review decisions the linkage used (none: the key is left out)
        out["labels"] = summary["labels"]
    workplace = _json(SUMMARIES["prospects"].path(ctx)).get("workplace_agreement")
    if workplace:  # only with labour (the key is left out otherwise)
        out["workplace_agreement"] = workplace
    if links is not None and "match_weight" in links:
        out["weights"] = _histogram(links["match_weight"])
        out["links_by_method"] = {str(k): int(v) for k, v in links["method"].value_counts().sort_index().items()}
    model = _parquet(MODEL.path(ctx))
    if model is not None and not model.empty:
        model = model.replace({np.nan: None})
        out["model"] = [{k: (round(v, 6) if isinstance(v, float) else v) for k, v in row.items()}
                        for row in model.to_dict("records")]
    org = _parquet(ORG_LINKS.path(ctx), ["method"])
    if org is not None:
        out["org_links_by_method"] = {str(k): int(v) for k, v in org["method"].value_counts().sort_index().items()}
    return out


def _groups(ctx: RunContext) -> tuple[str, ...]:
    """The groups this run computes (``uninsured_employee`` only when it was given ``labour``)."""
    return groups_of(registers_given(_json(SUMMARIES["ingest"].path(ctx))))


def _prospects(ctx: RunContext) -> dict[str, Any] | None:
    prospects = _parquet(PROSPECTS.path(ctx), ["group", "province_code", "ward_code", "ward_name"])
    if prospects is None:
        return None

    groups = prospects["group"].value_counts()
    by_group = {g: int(groups.get(g, 0)) for g in _groups(ctx)}
    provinces = prospects["province_code"].fillna("?").value_counts().sort_index()
    by_province = {str(k): int(v) for k, v in provinces.items()}
    names = prospects.get("ward_name", pd.Series(index=prospects.index, dtype=object))
    table = (prospects.assign(ward_name=names).fillna({"ward_code": "?", "province_code": "?", "ward_name": ""})
             .pivot_table(index=["province_code", "ward_code", "ward_name"], columns="group", aggfunc="size",
                          fill_value=0))
    communes = [{"province_code": p, "ward_code": w, "ward_name": n, "total": int(row.sum()),
                 **{g: int(row.get(g, 0)) for g in by_group}} for (p, w, n), row in table.iterrows()]
    return {"total": len(prospects), "by_group": by_group, "by_province": by_province, "by_commune": communes,
            "changes": _changes(ctx)}


def _changes(ctx: RunContext) -> dict[str, Any] | None:
    """New, still open (listed before tonight, and since when: the oldest date), resolved and gone since the
    previous night: in all, per group, per commune and group, and why prospects are gone (their reasons, a
    place or date in them aside)."""
    changes = _parquet(CHANGES.path(ctx), ["group", "ward_code", "change", "reason"])
    listed = _parquet(OPEN_PROSPECTS.path(ctx), ["group", "ward_code", "since"])
    summary = _json(SUMMARIES["changes"].path(ctx))
    if changes is None or listed is None or not summary:
        return None
    kinds = ("new", "still_open", "resolved", "gone", "suppressed")
    still = listed[listed["since"] < ctx.as_of.isoformat()]
    rows = pd.concat([changes[["group", "ward_code", "change"]], still.assign(change="still_open")[
        ["group", "ward_code", "change"]]], ignore_index=True)
    counts = rows["change"].value_counts()
    by_group = pd.crosstab(rows["group"], rows["change"]).reindex(columns=kinds, fill_value=0)
    by_group = by_group.reindex([g for g in ALL_GROUPS if g in by_group.index])
    by_commune = pd.crosstab([rows["ward_code"], rows["group"]], rows["change"]).reindex(columns=kinds, fill_value=0)
    oldest = still.groupby(["ward_code", "group"])["since"].min().to_dict()
    gone = changes.loc[changes["change"] == "gone", "reason"].str.replace(r"\s*(\(.*\)|\d.*)$", "", regex=True)
    return {"previous_night": summary.get("previous_night"), "open": summary.get("open"),
            **{k: int(counts.get(k, 0)) for k in kinds},
            "by_group": {g: {k: int(row[k]) for k in kinds} for g, row in by_group.iterrows()},
            "by_commune_and_group": [{"ward_code": w, "group": g, **{k: int(row[k]) for k in kinds},
                                      "open_since": oldest.get((w, g))} for (w, g), row in by_commune.iterrows()],
            "gone_reasons": {str(r): int(n) for r, n in sorted(gone.value_counts().items(),
                                                               key=lambda x: (-x[1], x[0]))}}


def _ratio(true: float, total: float) -> float | None:
    return round(true / total, 5) if total > 0 else None


def _estimates(ctx: RunContext, matching: dict[str, Any]) -> dict[str, Any] | None:
    """How sure the lists are, without truth: per group and per commune, the expected precision
    (mean confidence of the listed rows) and recall (expected true prospects listed over those
    listed and left out), and the links' own estimates."""
    frame = _parquet(ESTIMATES.path(ctx))
    if frame is None:
        return None
    thresholds = matching.get("thresholds") or {}
    names = current_wards().set_index("ward_code")["ward_name"]

    def quality(part: pd.DataFrame) -> dict[str, Any]:
        listed, true, missed = int(part["listed"].sum()), float(part["expected_true"].sum()), \
            float(part["expected_missed"].sum())
        return {"listed": listed, "to_verify": int(part["to_verify"].sum()), "expected_true": round(true, 2),
                "expected_missed": round(missed, 2), "expected_precision": _ratio(true, listed),
                "expected_recall": _ratio(true, true + missed)}

    groups = {g: quality(frame[frame["group"] == g]) for g in _groups(ctx)}
    communes = []
    for (ward, group), part in frame.groupby(["ward_code", "group"], sort=True):
        row = quality(part)
        if row["listed"] or row["to_verify"]:
            communes.append({"ward_code": ward, "ward_name": str(names.get(ward, "")), "group": group, **row})
    return {
        "links": {k: thresholds.get(k) for k in ("expected_precision", "expected_recall", "expected_links")},
        "groups": groups, "by_commune": communes,
    }


def audit_figures(ctx: RunContext) -> dict[str, Any]:
    """Every figure of the report, read from the stage files of this run."""
    ingest = _json(SUMMARIES["ingest"].path(ctx))
    validate = _json(SUMMARIES["validate"].path(ctx))
    links = _parquet(PERSON_LINKS.path(ctx), ["source", "row_number", "method", "match_weight"])
    review = _parquet(REVIEW.path(ctx), ["source", "row_number"])
    quality = _json(QUALITY_SUMMARY.path(ctx))
    figures: dict[str, Any] = {
        "identity": {"as_of": ctx.as_of.isoformat(), "code_version": code_version(),
                     "inputs": {n: {k: ingest.get(n, {}).get(k) for k in ("file", "format", "encoding", "sha256",
                                                                        "rows_read")}
                                for n in registers_given(ingest)}},
        "ledger": _ledger(ingest, validate, links, review, _parquet(LABOUR_EMPLOYERS.path(ctx), ["tax_code"])),
        "quality": None,
        "matching": _matching(ctx, links),
        "prospects": _prospects(ctx),
    }
    figures["estimates"] = _estimates(ctx, figures["matching"])
    figures["communes"] = commune_quality(ctx)
    figures["outcomes"] = _outcomes(ctx)
    if quality:
        figures["quality"] = {
            "data_docs": quality.get("data_docs"), "previous_manifest": quality.get("previous_manifest"),
            "registers": {n: {"success": q["success"], "evaluated": q["evaluated"], "failed": q["failed"],
                              "previous_rows": q.get("previous_rows"), "rows_checked": q["rows_checked"],
                              "failed_expectations": [e for e in q["expectations"] if not e["success"]],
                              "rule_agreement": q["rule_agreement"]} for n, q in quality["registers"].items()}}
    return figures


def _outcomes(ctx: RunContext) -> dict[str, Any] | None:
    """What the officers reported (``pipelines.feedback``): precision measured beside the model's estimate,
    the workbooks' problems, and the prospects held back tonight."""
    from pipelines.audit_outcomes import outcome_precision
    from pipelines.feedback import latest_outcomes

    outcomes = _parquet(FEEDBACK_OUTCOMES.path(ctx))
    summary = _json(SUMMARIES["feedback"].path(ctx))
    if outcomes is None or not summary:
        return None
    held = _parquet(SUPPRESSED.path(ctx), ["group"])
    return {"files": summary.get("files"), "new_tonight": summary.get("new"), "problems": summary.get("problems"),
            "suppressed": int(len(held)) if held is not None else None,
            **outcome_precision(latest_outcomes(outcomes) if len(outcomes) else outcomes)}


class AuditWritten(TypedDict):
    audit: list[str]


def write_audit(ctx: RunContext) -> AuditWritten:
    """Write ``audit.json`` and ``audit.html`` into the output folder."""
    figures = audit_figures(ctx)
    with atomic_open(AUDIT_JSON.path(ctx)) as handle:
        json.dump(figures, handle, ensure_ascii=False, indent=2, sort_keys=True, default=str)
        handle.write("\n")
    with atomic_open(AUDIT_HTML.path(ctx)) as handle:
        handle.write(render_html(figures))
    return {"audit": [AUDIT_HTML.relative(), AUDIT_JSON.relative()]}
