"""Exact-identifier linkage: the first, certain links, beside which probabilistic links are added.

Pure: tables in, tables out.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["ORG_LINK_COLUMNS", "PERSON_LINK_COLUMNS", "exact_org_links", "exact_person_links"]

PERSON_LINK_COLUMNS = ["record_key", "person_id", "method", "match_weight", "match_probability", "reason"]
ORG_LINK_COLUMNS = ["unit_code", "tax_code", "method", "score", "reason"]


def exact_person_links(records: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Link each record whose 12-digit ``person_id`` is a population ``person_id``.

    >>> records = pd.DataFrame({"record_key": ["insured:1", "insured:2"], "person_id": ["001085012345", None]})
    >>> exact_person_links(records, pd.DataFrame({"person_id": ["001085012345"]}))[["record_key", "method"]]
      record_key    method
    0  insured:1  exact_id
    """
    known = records[records["person_id"].isin(population["person_id"])]
    links = pd.DataFrame({"record_key": known["record_key"], "person_id": known["person_id"]})
    links["method"] = "exact_id"
    links["match_weight"] = float("nan")
    links["match_probability"] = 1.0
    links["reason"] = "trùng số định danh cá nhân"
    return links.reset_index(drop=True)[PERSON_LINK_COLUMNS]


def exact_org_links(units: pd.DataFrame, organisations: pd.DataFrame) -> pd.DataFrame:
    """Link each social security unit whose tax code is a registered organisation's tax code.

    >>> units = pd.DataFrame({"unit_code": ["U1", "U2"], "tax_code": ["0100109106", "0300588569"]})
    >>> exact_org_links(units, pd.DataFrame({"tax_code": ["0100109106"]}))[["unit_code", "tax_code"]]
      unit_code    tax_code
    0        U1  0100109106
    """
    known = units[units["tax_code"].isin(organisations["tax_code"])]
    links = pd.DataFrame({"unit_code": known["unit_code"], "tax_code": known["tax_code"]})
    links["method"] = "exact_tax_code"
    links["score"] = 1.0
    links["reason"] = "trùng mã số thuế"
    return links.reset_index(drop=True)[ORG_LINK_COLUMNS]
