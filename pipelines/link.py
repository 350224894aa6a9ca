"""Stage 4, link: which insured, manager and household-owner records belong to which resident,
and which social security unit is which registered organisation; with the optional ``labour``
register, which enterprise or cooperative each contract in force names as employer (as units are
linked: tax code, its head office's digits, one edit of them, name, the workplace's commune), and,
for those that name one, which resident the worker is (another source of person records).

The matching itself lives in ``matching/``; this stage assembles its input tables from the
standardised registers and writes what it returns: ``person_links``, ``org_links``, ``review``,
``best_unlinked`` (evidence for prospects), every likely pair with its probability (``candidates``,
``org_candidates``: what the prospects' probabilities are computed from) and both models, under
``_stages/link/``.
"""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
import pyarrow.parquet as pq

from contract.reviews import RECORD_ID_COLUMNS
from matching.linkage import OrgLinkSettings, link_inputs, link_organisations, person_inputs
from matching.text import fold_series
from pipelines.catalogue import (
    BEST_UNLINKED,
    CANDIDATES,
    FEEDBACK_DECISIONS,
    LABOUR_EMPLOYERS,
    MODEL,
    ORG_CANDIDATES,
    ORG_LINKS,
    ORG_MODEL,
    PERSON_LINKS,
    REVIEW,
    STANDARDISED,
)
from pipelines.context import RunContext
from pipelines.files import write_parquet
from pipelines.rules import contract_in_force
from pipelines.summaries import LinkSummary, read_registers

__all__ = ["decided_pairs", "person_records", "record_ids", "run"]

log = logging.getLogger(__name__)
RECORD_SOURCES = ("insured", "managers", "household_businesses")
_RECORD_COLUMNS = ["record_key", "source", "row_number", "person_id", "legacy_id", "person_id_raw", "full_name",
                   "name_folded", "dob_year", "dob_month", "dob_day", "dob_swapped", "sex", "ward_code",
                   "province_code", "address", "address_is_home", "work_ward_code", "work_province_code",
                   "exclusive_kinds", "employer", "is_contract"]
# Whose address a record carries: the insured's home, a household business's premises (which is
# often, not always, the owner's home). Managers and labour contracts carry none.
_ADDRESS_IS_HOME = {"insured": True, "managers": True, "household_businesses": False, "labour": False}


# What a person holds one of at a time (bits of ``exclusive_kinds``): a health-insurance card valid
# on the as-of date, an active social-insurance participation.
VALID_HI_CARD, ACTIVE_SI = 1, 2


def exclusive_kinds(insured: pd.DataFrame, as_of: dt.date | None) -> pd.Series:
    """Per insured row, the bits of what it holds (``VALID_HI_CARD``, ``ACTIVE_SI``)."""
    if as_of is None or "hi_valid_to" not in insured:
        return pd.Series(0, index=insured.index)
    valid = (insured["hi_valid_to"] >= pd.Timestamp(as_of)).fillna(False).astype(bool)
    active = (insured["si_type"].notna() & (insured["si_status"] == "active")).astype(bool)
    return valid.astype(int) * VALID_HI_CARD + active.astype(int) * ACTIVE_SI


def person_records(tables: dict[str, pd.DataFrame], as_of: dt.date | None = None) -> pd.DataFrame:
    """Insured, manager and household-owner rows as one table of person records (``record_key``).

    With ``as_of``, insured rows say what they hold (``exclusive_kinds``): a valid card, an active
    participation, which a person holds one of at a time."""
    parts = []
    for source in (*RECORD_SOURCES, *(["labour"] if "labour" in tables else [])):
        frame = tables[source].copy()
        frame["source"] = source
        frame["record_key"] = source + ":" + frame["row_number"].astype(str)
        frame["address_is_home"] = _ADDRESS_IS_HOME[source]
        frame["exclusive_kinds"] = exclusive_kinds(frame, as_of) if source == "insured" else 0
        frame["is_contract"] = source == "labour"
        if source == "managers":  # where they work: the commune of the organisation's head office
            place = tables["organisations"].drop_duplicates("tax_code").set_index("tax_code")
            frame["work_ward_code"] = frame["org_tax_code"].map(place["ward_code"])
            frame["work_province_code"] = frame["org_tax_code"].map(place["province_code"])
        if source == "labour":  # a contract's commune is the workplace's, else its employer's head office
            place = tables["organisations"].drop_duplicates("tax_code").set_index("tax_code")
            employer = frame["employer"] if "employer" in frame else pd.Series(None, index=frame.index, dtype=object)
            frame["work_ward_code"] = frame["ward_code"].where(frame["ward_code"].notna(),
                                                               employer.map(place["ward_code"]))
            frame["work_province_code"] = frame["province_code"].where(frame["province_code"].notna(),
                                                                       employer.map(place["province_code"]))
            frame["ward_code"], frame["province_code"], frame["address"] = None, None, None
        for column in _RECORD_COLUMNS:
            if column not in frame:
                frame[column] = None
        parts.append(frame[_RECORD_COLUMNS])
    # Column by column: a frame concat checks every all-missing object column value by value
    # (seconds on a million rows); a series concat does not.
    return pd.DataFrame({column: pd.concat([part[column] for part in parts], ignore_index=True)
                         for column in _RECORD_COLUMNS})


# What the linkage reads of the big registers (a million residents: reading only these is seconds).
_PERSON_COLUMNS = ["person_id", "full_name", "dob_year", "dob_month", "dob_day", "sex", "ward_code",
                   "province_code", "address"]
_COLUMNS_READ = {"population": _PERSON_COLUMNS,
                 **{source: list(dict.fromkeys([*_RECORD_COLUMNS, "org_tax_code", "hi_valid_to", "si_type",
                                                "si_status", "employer_unit_code", *RECORD_ID_COLUMNS[source]]))
                    for source in RECORD_SOURCES},
                 "labour": [*_RECORD_COLUMNS, "employer_tax_code_raw", "employer_name", "contract_type", "start_date",
                            "end_date", *RECORD_ID_COLUMNS["labour"]]}
LABOUR_EMPLOYER_COLUMNS = ["row_number", "tax_code", "method", "probability", "reason"]


def labour_employers(labour: pd.DataFrame, organisations: pd.DataFrame, as_of: dt.date,
                     settings: OrgLinkSettings) -> pd.DataFrame:
    """Per labour contract in force: the enterprise or cooperative its employer is (``tax_code``
    None where none is at least ``link_probability`` likely: a public body, a household business,
    an employer in neither register), linked as social security units are.

    Contracts naming one employer the same way (code as recorded, name, workplace commune) are
    one "unit" of the organisation linkage, so a big employer is compared once.
    """
    rows = labour[contract_in_force(labour, as_of)]
    keys = ["employer_tax_code_raw", "employer_name", "ward_code", "province_code"]
    identity = rows[keys].astype(object).where(rows[keys].notna(), "")
    distinct = identity.drop_duplicates().sort_values(keys, kind="stable").reset_index(drop=True)
    distinct["unit_code"] = [f"E{i:08d}" for i in range(len(distinct))]
    units = pd.DataFrame({"unit_code": distinct["unit_code"],
                          "tax_code_raw": distinct["employer_tax_code_raw"].replace("", None),
                          "name": distinct["employer_name"].replace("", None),
                          "ward_code": distinct["ward_code"].replace("", None),
                          "province_code": distinct["province_code"].replace("", None), "address": None})
    found = link_organisations(units, organisations, settings).links
    per_unit = distinct.merge(found.rename(columns={"score": "probability"}), on="unit_code", how="left")
    out = identity.assign(row_number=rows["row_number"].to_numpy()).merge(per_unit, on=keys, how="left")
    return out[LABOUR_EMPLOYER_COLUMNS].sort_values("row_number").reset_index(drop=True)


_KEPT_AS_IS = frozenset({"si_code", "org_tax_code", "business_id", "contract_id"})  # keys in the contract's form


def record_ids(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per person record (``record_key``), its ``record_id``: the source and its natural key
    (``contract.reviews.RECORD_ID_COLUMNS``; a name folded), the same every night the record is there.
    A ``record_id`` two records share tonight names neither (None): a decision about it cannot be applied.

    >>> t = {"insured": pd.DataFrame({"row_number": [1, 2], "si_code": ["0101", "0101"]}),
    ...      "managers": pd.DataFrame({"row_number": [3], "org_tax_code": ["0100"], "full_name": ["Lê  Thị Đào"],
    ...                                "role": ["Giám đốc"]})}
    >>> record_ids(t)["record_id"].tolist()
    [None, None, 'managers:0100:le thi dao:giam doc']
    """
    parts = []
    for source, columns in RECORD_ID_COLUMNS.items():
        if source not in tables:
            continue
        frame = tables[source]
        key = pd.Series(source, index=frame.index, dtype=object)
        for column in columns:  # names and roles folded: how a register spells them may change, not who it is
            value = frame[column] if column in _KEPT_AS_IS else fold_series(frame[column])
            key = key + ":" + value.fillna("").astype(str)
        parts.append(pd.DataFrame({"record_key": source + ":" + frame["row_number"].astype(str),
                                   "record_id": key.where(~key.duplicated(keep=False), None)}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["record_key", "record_id"])


def decided_pairs(decisions: pd.DataFrame, ids: pd.DataFrame) -> pd.DataFrame:
    """The review decisions (``record_id``) of tonight's records, as ``record_key, person_id, decision``."""
    found = decisions.merge(ids.dropna(subset=["record_id"]), on="record_id")
    return found[["record_key", "person_id", "decision"]].sort_values(["record_key", "person_id"], ignore_index=True)


def _read(ctx: RunContext, name: str, columns: list[str] | None) -> pd.DataFrame:
    path = STANDARDISED[name].path(ctx)
    if columns is not None:
        present = set(pq.read_schema(path).names)
        columns = [column for column in columns if column in present]
    return pd.read_parquet(path, columns=columns)


def run(ctx: RunContext) -> LinkSummary:
    """Link records to residents and units to organisations; write links, review and evidence."""
    tables = {name: _read(ctx, name, _COLUMNS_READ.get(name))
              for name in ("population", "organisations", "employers", *RECORD_SOURCES)}
    settings = ctx.settings  # [linkage.person] and [linkage.organisations] of the settings file
    employers_of_contracts, labour = None, None
    if "labour" in read_registers(ctx):
        # Only contracts in force with an enterprise or cooperative can make a prospect: only they are linked.
        labour = _read(ctx, "labour", _COLUMNS_READ["labour"])
        employers_of_contracts = labour_employers(labour, tables["organisations"], ctx.as_of,
                                                  settings.organisation_linkage)
        write_parquet(employers_of_contracts, LABOUR_EMPLOYERS.path(ctx))
        named = employers_of_contracts.dropna(subset=["tax_code"]).set_index("row_number")["tax_code"]
        tables["labour"] = labour[labour["row_number"].isin(named.index)].assign(
            employer=lambda f: f["row_number"].map(named))
    else:
        LABOUR_EMPLOYERS.path(ctx).unlink(missing_ok=True)  # an earlier run's
    sources = (*RECORD_SOURCES, *(["labour"] if "labour" in tables else []))
    organisations = link_organisations(tables["employers"], tables["organisations"], settings.organisation_linkage)
    if "labour" in tables:  # whom an insured record's unit is: where it meets a contract (co_worker blocking)
        unit_org = organisations.links.set_index("unit_code")["tax_code"]
        tables["insured"] = tables["insured"].assign(employer=tables["insured"]["employer_unit_code"].map(unit_org))
    records = person_records(tables, ctx.as_of)
    ids = record_ids(tables)
    decisions = pd.read_parquet(FEEDBACK_DECISIONS.path(ctx))
    origin = records[["record_key", "source", "row_number"]]
    record_counts = {source: int((records["source"] == source).sum()) for source in sources}
    # The linkage keeps features of the tables; the tables themselves (a gigabyte of Python strings at a
    # million residents) go before it blocks and scores.
    inputs = person_inputs(records, tables.pop("population"))
    del records, labour
    for source in sources:
        del tables[source]
    persons = link_inputs(inputs, settings.person_linkage, decided_pairs(decisions, ids) if len(decisions) else None)
    del inputs
    person_links = persons.links.merge(origin, on="record_key").sort_values(["source", "row_number"])
    review = persons.review.merge(origin, on="record_key").merge(ids, on="record_key", how="left")
    review = review[[c.name for c in REVIEW.columns or ()]].sort_values(["source", "row_number", "person_id"])
    outputs = {
        PERSON_LINKS: person_links,
        REVIEW: review,
        BEST_UNLINKED: persons.best_unlinked.sort_values("person_id"),
        MODEL: persons.model,
        CANDIDATES: persons.candidates,
        ORG_LINKS: organisations.links.sort_values("unit_code"),
        ORG_CANDIDATES: organisations.candidates,
        ORG_MODEL: organisations.model,
    }
    for artifact, frame in outputs.items():
        write_parquet(frame.reset_index(drop=True), artifact.path(ctx))
    summary: LinkSummary = {
        "records": record_counts,
        "person_links_by_method": {f"{s}:{m}": int(n) for (s, m), n in
                                   person_links.groupby(["source", "method"]).size().items()},
        "review_pairs": len(review),
        "org_links_by_method": {str(m): int(n) for m, n in
                                organisations.links["method"].value_counts().sort_index().items()},
        "units": len(tables["employers"]),
        "blocking_counts": {str(k): int(v) for k, v in persons.blocking_counts.items()},
        "thresholds": {str(k): float(v) for k, v in persons.thresholds.items()},
    }
    if len(decisions):  # only then: a night without any decision summarises as before
        used = persons.labels.get("match", 0) + persons.labels.get("non_match", 0)
        summary["labels"] = {"decisions": len(decisions), "match": persons.labels.get("match", 0),
                             "non_match": persons.labels.get("non_match", 0), "not_applied": len(decisions) - used}
    if employers_of_contracts is not None:
        methods = employers_of_contracts["method"].fillna("none").value_counts().sort_index()
        summary["labour_employers_by_method"] = {str(m): int(n) for m, n in methods.items()}
    log.info("link: %d person links (%d to review), %d unit links", len(person_links), len(review),
             len(organisations.links))
    return summary
