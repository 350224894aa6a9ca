"""Stage 4, link: which insured, manager and household-owner records belong to which resident,
and which social security unit is which registered organisation.

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

from matching.linkage import link_organisations, link_persons
from pipelines.catalogue import (
    BEST_UNLINKED,
    CANDIDATES,
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
from pipelines.summaries import LinkSummary

__all__ = ["person_records", "run"]

log = logging.getLogger(__name__)
RECORD_SOURCES = ("insured", "managers", "household_businesses")
_RECORD_COLUMNS = ["record_key", "source", "row_number", "person_id", "legacy_id", "person_id_raw", "full_name",
                   "name_folded", "dob_year", "dob_month", "dob_day", "dob_swapped", "sex", "ward_code",
                   "province_code", "address", "address_is_home", "work_ward_code", "work_province_code",
                   "exclusive_kinds"]
# Whose address a record carries: the insured's home, a household business's premises (which is
# often, not always, the owner's home). Managers carry none.
_ADDRESS_IS_HOME = {"insured": True, "managers": True, "household_businesses": False}


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
    for source in RECORD_SOURCES:
        frame = tables[source].copy()
        frame["source"] = source
        frame["record_key"] = source + ":" + frame["row_number"].astype(str)
        frame["address_is_home"] = _ADDRESS_IS_HOME[source]
        frame["exclusive_kinds"] = exclusive_kinds(frame, as_of) if source == "insured" else 0
        if source == "managers":  # where they work: the commune of the organisation's head office
            place = tables["organisations"].drop_duplicates("tax_code").set_index("tax_code")
            frame["work_ward_code"] = frame["org_tax_code"].map(place["ward_code"])
            frame["work_province_code"] = frame["org_tax_code"].map(place["province_code"])
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
                 **{source: [*_RECORD_COLUMNS, "org_tax_code", "hi_valid_to", "si_type", "si_status"]
                    for source in RECORD_SOURCES}}


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
    records = person_records(tables, ctx.as_of)
    settings = ctx.settings  # [linkage.person] and [linkage.organisations] of the settings file
    persons = link_persons(records, tables["population"], settings.person_linkage)
    organisations = link_organisations(tables["employers"], tables["organisations"], settings.organisation_linkage)
    origin = records[["record_key", "source", "row_number"]]
    person_links = persons.links.merge(origin, on="record_key").sort_values(["source", "row_number"])
    review = persons.review.merge(origin, on="record_key").sort_values(["source", "row_number", "person_id"])
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
        "records": {source: int((records["source"] == source).sum()) for source in RECORD_SOURCES},
        "person_links_by_method": {f"{s}:{m}": int(n) for (s, m), n in
                                   person_links.groupby(["source", "method"]).size().items()},
        "review_pairs": len(review),
        "org_links_by_method": {str(m): int(n) for m, n in
                                organisations.links["method"].value_counts().sort_index().items()},
        "units": len(tables["employers"]),
        "blocking_counts": {str(k): int(v) for k, v in persons.blocking_counts.items()},
        "thresholds": {str(k): float(v) for k, v in persons.thresholds.items()},
    }
    log.info("link: %d person links (%d to review), %d unit links", len(person_links), len(review),
             len(organisations.links))
    return summary
