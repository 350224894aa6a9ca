"""What changed since the previous night: new prospects, those still open (since when), resolved, gone.

Tonight's listed prospects are compared, by ``prospect_id`` and commune, with the open prospects
of the latest night before tonight in the state store (``pipelines.state_store``): a rerun of a
date reads the store as it was before that date, so it gives the same bytes.

- **new**: listed tonight in a commune where it was not listed the night before (every row, the
  first night; a prospect that moved is new where it is now, and gone where it was);
- **resolved**: listed the night before, not tonight, and now covered, by the record that covers it
  (``record``: ``insured:<si_code>`` or ``employers:<unit_code>``);
- **gone**: listed the night before, not tonight, for another reason read from tonight's registers
  (died, moved away, left the population register, organisation no longer active, household business
  closed or paying tax by the presumptive method, moved to another group, to verify, or no longer in
  the group's conditions), the reason in Vietnamese;
- **suppressed**: listed the night before, held back tonight by an officer's outcome (not the right
  person, already insured elsewhere) with no new evidence since (``pipelines.feedback``); such a prospect
  stays out of the lists, with no further row, until its evidence changes (then it is ``new`` again).

The store is written only once the night is published (:func:`record_night`, called by ``covgap run``
after the switch and by the DAG's ``publish_latest``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypedDict

import pandas as pd

from contract.groups import ALL_GROUPS
from contract.outcomes import OUTCOME_LABELS
from pipelines.catalogue import (
    CHANGES,
    FEEDBACK_DECISIONS,
    FEEDBACK_OUTCOMES,
    OPEN_PROSPECTS,
    ORG_LINKS,
    PERSON_LINKS,
    PROSPECTS,
    PROSPECTS_TO_VERIFY,
    REVIEW,
    STANDARDISED,
    SUPPRESSED,
)
from pipelines.context import RunContext
from pipelines.files import write_parquet
from pipelines.officer_sheets import sheet_of
from pipelines.prospect_ids import KEY_COLUMNS
from pipelines.state_store import CHANGE_COLUMNS, OPEN_COLUMNS, REVIEW_PAIR_COLUMNS, Night, Store

__all__ = ["CHANGE_KINDS", "ChangesSummary", "Facts", "facts_of", "night_changes", "record_night", "run"]

CHANGE_KINDS = ("new", "resolved", "gone", "suppressed")
_IDENTITY = ("prospect_id", "group", "ward_code", *KEY_COLUMNS)
_RESIDENT_GROUPS = ("voluntary_si_prospect", "hi_prospect")  # listed where the person lives
_COMPULSORY_GROUPS = ("uninsured_manager", "uninsured_household_owner", "uninsured_employee")
_ORG_STATUS = {"dissolved": "đã giải thể", "dissolving": "đang giải thể", "suspended": "tạm ngừng kinh doanh"}
_BUSINESS_STATUS = {"closed": "đã ngừng kinh doanh", "suspended": "tạm ngừng kinh doanh"}


@dataclass(frozen=True)
class Facts:
    """What tonight's registers say about the people and organisations of last night's prospects."""

    people: pd.DataFrame  # index person_id: ward_code, death_date, full_name
    insured: pd.DataFrame  # linked insured records: person_id, si_code, si_type, si_status, hi_valid_to
    organisations: pd.DataFrame  # index tax_code: status, name, employees
    businesses: pd.DataFrame  # index business_id: status, tax_method, business_name
    units: pd.DataFrame  # org_links: unit_code, tax_code


def facts_of(ctx: RunContext) -> Facts:
    """Tonight's facts, from the standardised registers and the links."""
    people = pd.read_parquet(STANDARDISED["population"].path(ctx),
                             columns=["person_id", "ward_code", "death_date", "full_name"])
    insured = pd.read_parquet(STANDARDISED["insured"].path(ctx),
                              columns=["row_number", "si_code", "si_type", "si_status", "hi_valid_to"])
    links = pd.read_parquet(PERSON_LINKS.path(ctx), columns=["source", "row_number", "person_id"])
    insured = insured.merge(links.loc[links["source"] == "insured", ["row_number", "person_id"]], on="row_number")
    orgs = pd.read_parquet(STANDARDISED["organisations"].path(ctx), columns=["tax_code", "status", "name",
                                                                            "employees"])
    businesses = pd.read_parquet(STANDARDISED["household_businesses"].path(ctx),
                                 columns=["business_id", "status", "tax_method", "business_name"])
    units = pd.read_parquet(ORG_LINKS.path(ctx), columns=["unit_code", "tax_code"])
    return Facts(people.drop_duplicates("person_id").set_index("person_id"), insured,
                 orgs.drop_duplicates("tax_code").set_index("tax_code"),
                 businesses.drop_duplicates("business_id").set_index("business_id"), units)


def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


class _Coverage:
    """Per person, the record that covers them tonight (first by ``si_code``: deterministic)."""

    def __init__(self, insured: pd.DataFrame, as_of: dt.date) -> None:
        rows = insured.sort_values(["si_code", "row_number"] if "row_number" in insured else ["si_code"])
        active = rows["si_type"].notna() & (rows["si_status"] == "active")
        compulsory = active & (rows["si_type"] == "compulsory")
        covered = pd.to_datetime(rows["hi_valid_to"]) >= pd.Timestamp(as_of)

        def first(mask: pd.Series) -> dict[str, tuple[str, str, object]]:
            part = rows[mask].drop_duplicates("person_id")
            return {str(p): (str(s), _text(t), v) for p, s, t, v in
                    zip(part["person_id"], part["si_code"], part["si_type"], part["hi_valid_to"], strict=True)}

        self.any_si, self.compulsory, self.hi = first(active), first(compulsory), first(covered)

    def resolving(self, group: str, person: str) -> tuple[str, str] | None:
        """(reason, record) when the person is now covered as the group needs."""
        if group == "hi_prospect" and person in self.hi:
            code, _, valid_to = self.hi[person]
            return f"Đã có thẻ BHYT còn hạn đến {pd.Timestamp(valid_to):%d/%m/%Y}", f"insured:{code}"
        if group in _COMPULSORY_GROUPS and person in self.compulsory:
            return "Đã tham gia BHXH bắt buộc", f"insured:{self.compulsory[person][0]}"
        if group == "voluntary_si_prospect" and person in self.any_si:
            code, kind, _ = self.any_si[person]
            return f"Đã tham gia BHXH {'bắt buộc' if kind == 'compulsory' else 'tự nguyện'}", f"insured:{code}"
        return None


def _org_gone(facts: Facts, tax_code: str) -> str | None:
    if tax_code not in facts.organisations.index:
        return "Doanh nghiệp/HTX không còn trong đăng ký kinh doanh"
    status = _text(facts.organisations.at[tax_code, "status"])
    return f"Doanh nghiệp/HTX {_ORG_STATUS.get(status, status)}" if status != "active" else None


def _business_gone(facts: Facts, business_id: str) -> str | None:
    if business_id not in facts.businesses.index:
        return "Hộ kinh doanh không còn trong sổ thuế"
    status = _text(facts.businesses.at[business_id, "status"])
    if status != "active":
        return f"Hộ kinh doanh {_BUSINESS_STATUS.get(status, status)}"
    if _text(facts.businesses.at[business_id, "tax_method"]) != "declaration":
        return "Hộ kinh doanh chuyển sang nộp thuế khoán"
    return None


def _person_gone(facts: Facts, person: str, as_of: dt.date) -> str | None:
    if person not in facts.people.index:
        return "Không còn trong Cơ sở dữ liệu quốc gia về dân cư"
    died = facts.people.at[person, "death_date"]
    if pd.notna(died) and pd.Timestamp(died) <= pd.Timestamp(as_of):
        return f"Đã mất ngày {pd.Timestamp(died):%d/%m/%Y}"
    return None


def _why_closed(row: dict[str, str], facts: Facts, coverage: _Coverage, tonight: dict[str, list[dict[str, str]]],
                elsewhere: dict[str, str], to_verify: set[str], as_of: dt.date) -> tuple[str, str, str]:
    """(change, reason, record) of last night's prospect that tonight does not list in its commune."""
    group, person, tax, business = row["group"], row["person_id"], row["tax_code"], row["business_id"]
    if row["prospect_id"] in elsewhere:
        return "gone", f"Chuyển sang danh sách của xã/phường {elsewhere[row['prospect_id']]}", ""
    if person:
        gone = _person_gone(facts, person, as_of)
        if gone:
            return "gone", gone, ""
        resolved = coverage.resolving(group, person)
        if resolved:
            return "resolved", *resolved
    elif tax:  # an organisation's group
        gone = _org_gone(facts, tax)
        if gone:
            return "gone", gone, ""
        units = sorted(facts.units.loc[facts.units["tax_code"] == tax, "unit_code"].astype(str))
        if group == "unregistered_employer" and units:
            return "resolved", "Đã đăng ký đơn vị tham gia BHXH", f"employers:{units[0]}"
        if group == "underdeclared_employer" and units:
            return "resolved", "Đã đóng BHXH bắt buộc cho đủ số lao động khai báo", f"employers:{units[0]}"
    gone = (_org_gone(facts, tax) if tax and person else None) or (_business_gone(facts, business) if business
                                                                     else None)
    if gone:
        return "gone", gone, ""
    if group in _RESIDENT_GROUPS and person:
        ward = _text(facts.people.at[person, "ward_code"])
        if ward and ward != row["ward_code"]:
            return "gone", f"Chuyển đi nơi khác (nay cư trú tại xã/phường {ward})", ""
    if row["prospect_id"] in to_verify:
        return "gone", "Chuyển sang danh sách cần xác minh (độ tin cậy thấp)", ""
    others = sorted({r["group"] for r in tonight.get(person, []) if r["group"] != group}) if person else []
    if others:
        return "gone", "Chuyển sang nhóm " + ", ".join(sheet_of(g).name for g in others), ""
    return "gone", "Không còn thuộc nhóm (tuổi, lương hưu hoặc điều kiện khác đã thay đổi)", ""


def _identity(frame: pd.DataFrame) -> pd.DataFrame:
    part = pd.DataFrame({c: frame[c].astype(object).where(frame[c].notna(), "").astype(str).str.strip()
                         for c in _IDENTITY})
    return part.drop_duplicates(["prospect_id", "ward_code"]).reset_index(drop=True)


def _records(frame: pd.DataFrame) -> list[dict[str, str]]:
    """The rows as dicts (``DataFrame.to_dict("records")`` boxes every value: several times slower)."""
    columns = [str(c) for c in frame.columns]
    values = zip(*(frame[c].tolist() for c in columns), strict=True)
    return [dict(zip(columns, row, strict=True)) for row in values]


def _names(changes: pd.DataFrame, facts: Facts) -> pd.Series:
    """The person's name, else the household business's, else the organisation's ("" when none is known)."""
    def lookup(keys: pd.Series, table: pd.DataFrame, column: str) -> pd.Series:
        return keys.map(table[column].map(_text)).fillna("")

    person = lookup(changes["person_id"], facts.people, "full_name")
    business = lookup(changes["business_id"], facts.businesses, "business_name")
    org = lookup(changes["tax_code"], facts.organisations, "name")
    return person.where(person != "", business.where(business != "", org))


def _held_reason(code: str, day: str) -> str:
    return (f"Cán bộ báo \"{OUTCOME_LABELS.get(code, code)}\" ngày {pd.Timestamp(day):%d/%m/%Y}; chưa có căn cứ mới "
            "nên không đưa lại vào danh sách")


def night_changes(listed: pd.DataFrame, to_verify: pd.DataFrame, previous: Night, facts: Facts,
                  as_of: dt.date, fingerprints: pd.Series | None = None,
                  held: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tonight's open prospects (``OPEN_COLUMNS``, ``since`` carried from the previous night) and the
    changes (``CHANGE_COLUMNS``, ``since``, ``name``), both in a total order. ``fingerprints``: per listed
    row, its evidence (``pipelines.feedback.evidence_of``; kept in the store); ``held``: the rows an
    officer's outcome holds back (``SUPPRESSED``): ``suppressed`` where listed the night before."""
    tonight = _identity(listed)
    keyed = dict(zip(zip(listed["prospect_id"].astype(str), listed["ward_code"].astype(str), strict=True),
                     zip(fingerprints if fingerprints is not None else [None] * len(listed),
                         listed["confidence"] if "confidence" in listed else [None] * len(listed), strict=True),
                     strict=True))
    tonight["evidence"] = [keyed[(p, w)][0] for p, w in zip(tonight["prospect_id"], tonight["ward_code"], strict=True)]
    tonight["confidence"] = pd.Series([float("nan") if pd.isna(keyed[(p, w)][1]) else float(keyed[(p, w)][1])
                                       for p, w in zip(tonight["prospect_id"], tonight["ward_code"], strict=True)],
                                      dtype="float64")
    held_at = {} if held is None or held.empty else {
        (str(p), str(w)): (str(c), str(d)) for p, w, c, d in
        zip(held["prospect_id"], held["ward_code"], held["outcome"], held["outcome_date"], strict=True)}
    before = previous.open.astype(object).where(previous.open.notna(), "")
    since = {(p, w): s for p, w, s in zip(before["prospect_id"], before["ward_code"], before["since"], strict=True)}
    tonight["since"] = [since.get((p, w), as_of.isoformat())
                        for p, w in zip(tonight["prospect_id"], tonight["ward_code"], strict=True)]
    listed_at = set(zip(tonight["prospect_id"], tonight["ward_code"], strict=True))
    was_at = dict(zip(before["prospect_id"], before["ward_code"], strict=True))
    now_at = dict(zip(tonight["prospect_id"], tonight["ward_code"], strict=True))
    rows: list[dict[str, str]] = []
    for row in _records(tonight):
        if (row["prospect_id"], row["ward_code"]) not in since:
            moved = was_at.get(row["prospect_id"])
            reason = (f"Chuyển đến từ xã/phường {moved}" if moved else
                      "Lần đầu lập danh sách" if previous.as_of is None else "Mới vào danh sách")
            rows.append({**row, "change": "new", "reason": reason, "record": ""})
    coverage = _Coverage(facts.insured, as_of)
    by_person: dict[str, list[dict[str, str]]] = {}
    for row in _records(tonight):
        if row["person_id"]:
            by_person.setdefault(row["person_id"], []).append(row)
    verify = set(_identity(to_verify)["prospect_id"]) if len(to_verify) else set()
    for row in _records(before):
        if (row["prospect_id"], row["ward_code"]) in listed_at:
            continue
        if (row["prospect_id"], row["ward_code"]) in held_at:
            rows.append({**{c: _text(row[c]) for c in _IDENTITY}, "since": _text(row["since"]), "change": "suppressed",
                         "reason": _held_reason(*held_at[(row["prospect_id"], row["ward_code"])]), "record": ""})
            continue
        elsewhere = {row["prospect_id"]: now_at[row["prospect_id"]]} if row["prospect_id"] in now_at else {}
        change, reason, record = _why_closed(row, facts, coverage, by_person, elsewhere, verify, as_of)
        rows.append({**{c: _text(row[c]) for c in _IDENTITY}, "since": _text(row["since"]), "change": change,
                     "reason": reason, "record": record})
    changes = pd.DataFrame(rows, columns=[*CHANGE_COLUMNS, "since"], dtype=object)
    changes["name"] = _names(changes, facts) if len(changes) else pd.Series(dtype=object)
    order = {"change": CHANGE_KINDS, "group": ALL_GROUPS}
    changes = changes.sort_values(
        ["change", "group", "ward_code", "tax_code", "business_id", "person_id", "prospect_id"],
        key=lambda c: c.map({v: i for i, v in enumerate(order[c.name])}) if c.name in order else c,
        ignore_index=True)
    tonight = tonight.sort_values(["prospect_id", "ward_code"], ignore_index=True)
    return tonight[list(OPEN_COLUMNS)], changes


class ChangesSummary(TypedDict):
    previous_night: str | None
    open: int
    changes: dict[str, int]


def run(ctx: RunContext) -> ChangesSummary:
    """Compare tonight's lists with the previous night in the store; write the open prospects and the changes."""
    from pipelines.feedback import evidence_of

    previous = Store(ctx.state_location).previous(ctx.as_of)
    listed, verify, held = (pd.read_parquet(a.path(ctx)) for a in (PROSPECTS, PROSPECTS_TO_VERIFY, SUPPRESSED))
    open_now, changes = night_changes(listed, verify, previous, facts_of(ctx), ctx.as_of,
                                      evidence_of(listed, ctx.settings.prospects), held)
    write_parquet(open_now, OPEN_PROSPECTS.path(ctx))
    write_parquet(changes, CHANGES.path(ctx))
    counts = changes["change"].value_counts()
    return {"previous_night": previous.as_of.isoformat() if previous.as_of else None, "open": len(open_now),
            "changes": {kind: int(counts.get(kind, 0)) for kind in CHANGE_KINDS}}


def record_night(ctx: RunContext) -> int:
    """After the night is published (``ctx.output``: the published folder): record it in the store, with
    the officers' outcomes and review decisions it read and the pairs it listed for review, replacing an
    earlier record of the same date, in one transaction. Returns the open prospects recorded."""
    open_now = pd.read_parquet(OPEN_PROSPECTS.path(ctx))
    changes = pd.read_parquet(CHANGES.path(ctx))
    outcomes = pd.read_parquet(FEEDBACK_OUTCOMES.path(ctx))
    decisions = pd.read_parquet(FEEDBACK_DECISIONS.path(ctx))
    review = pd.read_parquet(REVIEW.path(ctx), columns=list(REVIEW_PAIR_COLUMNS))
    Store(ctx.state_location).record(ctx.as_of, open_now, changes, outcomes[outcomes["tonight"].astype(bool)],
                                     review=review, decisions=decisions[decisions["tonight"].astype(bool)])
    return len(open_now)

