"""Identifiers: 12-digit personal IDs, 9-digit legacy IDs, tax codes, SI codes.

A personal ID has no check digit (domain.md §1): its digits 4–6 carry century, sex and birth
year, which can be checked against the record and flagged, never used to reject. A legacy
9-digit CMND is recognised as such and never taken for a 12-digit ID.
"""

from __future__ import annotations

import re
from typing import NewType

import numpy as np
import pandas as pd

__all__ = [
    "PersonId",
    "TaxCode",
    "id_agrees_with",
    "mask_person_id",
    "normalise_person_ids",
    "normalise_tax_codes",
    "tax_code_checksum_ok",
]

PersonId = NewType("PersonId", str)
TaxCode = NewType("TaxCode", str)

_SEPARATORS = re.compile(r"[\s.\-_/]")
_TAX_WEIGHTS = np.array([31, 29, 23, 19, 17, 13, 7, 5, 3])


def normalise_person_ids(values: pd.Series) -> pd.DataFrame:
    """Split recorded IDs into ``person_id`` (12 digits), ``legacy_id`` (9 digits) and ``person_id_raw``.

    >>> ids = pd.Series(["001 085 012345", "012345678", "00108501234", None])
    >>> normalise_person_ids(ids).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['001085012345', None, '001085012345'], [None, '012345678', '012345678'],
     [None, None, '00108501234'], [None, None, None]]
    """
    raw = values.astype("string[pyarrow]").str.replace(_SEPARATORS, "", regex=True)
    raw = raw.where(raw.str.len() > 0)
    is_digits = raw.str.fullmatch(r"\d+").fillna(False).astype(bool)
    length = raw.str.len()
    person_id = raw.where(is_digits & (length == 12))
    legacy_id = raw.where(is_digits & (length == 9))
    return pd.DataFrame(
        {
            "person_id": person_id.astype(object).where(person_id.notna(), None),
            "legacy_id": legacy_id.astype(object).where(legacy_id.notna(), None),
            "person_id_raw": raw.astype(object).where(raw.notna(), None),
        },
        index=values.index,
    )


def id_agrees_with(person_id: pd.Series, year: pd.Series, sex: pd.Series) -> pd.Series:
    """Whether the century/sex digit and the two year digits agree with birth year and sex.

    NA where something is unknown. Digit 4: even = male; 0/1 = 1900s, 2/3 = 2000s, 4/5 = 2100s.

    >>> id_agrees_with(pd.Series(["001085012345", "001185012345"]), pd.Series([1985, 1985]),
    ...                pd.Series(["M", "M"])).tolist()
    [True, False]
    """
    pid = person_id.astype("string[pyarrow]")
    digit = pd.to_numeric(pid.str[3], errors="coerce")
    yy = pd.to_numeric(pid.str[4:6], errors="coerce")
    century = 1900 + (digit // 2) * 100
    year_ok = (century + yy) == year.astype("Float64")
    sex_ok = (digit % 2 == 0) == (sex == "M")
    known_sex = sex.isin(["M", "F"])
    agrees = year_ok & (sex_ok | ~known_sex)
    return agrees.where(pid.notna() & year.notna()).astype("boolean")


def normalise_tax_codes(values: pd.Series) -> pd.DataFrame:
    """Normalise tax codes to ``NNNNNNNNNN`` or ``NNNNNNNNNN-NNN``; ``shape_ok`` and ``checksum_ok``.

    >>> normalise_tax_codes(pd.Series(["0300588569", "0300588569 - 001", "0300588569001", "0300588560", "12"]))
             tax_code  shape_ok  checksum_ok
    0      0300588569      True         True
    1  0300588569-001      True         True
    2  0300588569-001      True         True
    3      0300588560      True        False
    4            None     False        False
    """
    digits = values.astype("string[pyarrow]").str.replace(_SEPARATORS, "", regex=True)
    is_digits = digits.str.fullmatch(r"\d+").fillna(False).astype(bool)
    length = digits.str.len()
    main = digits.where(is_digits & length.isin([10, 13]))
    code = main.str[:10].where(length != 13, main.str[:10] + "-" + main.str[10:])
    shape_ok = code.notna()
    checksum = tax_code_checksum_ok(main.str[:10]) & shape_ok
    return pd.DataFrame(
        {"tax_code": code.astype(object).where(shape_ok, None), "shape_ok": shape_ok.astype(bool),
         "checksum_ok": checksum.astype(bool)},
        index=values.index,
    )


def tax_code_checksum_ok(ten_digits: pd.Series) -> pd.Series:
    """Check digit N10 = 10 − (Σ wᵢdᵢ mod 11) over the first nine digits (remainder 0 is never issued)."""
    valid = ten_digits.astype("string[pyarrow]").str.fullmatch(r"\d{10}").fillna(False).astype(bool)
    out = pd.Series(False, index=ten_digits.index)
    if not valid.any():
        return out
    chars = ten_digits[valid].astype(str).to_numpy()
    matrix = np.frombuffer("".join(chars).encode("ascii"), dtype=np.uint8).reshape(-1, 10) - 48
    remainder = (matrix[:, :9] @ _TAX_WEIGHTS) % 11
    expected = 10 - remainder
    out[valid] = (remainder != 0) & (expected == matrix[:, 9])
    return out


def mask_person_id(value: str | None) -> str | None:
    """Officers see only the first 3 and last 4 digits.

    >>> mask_person_id("001085013456")
    '001*****3456'
    """
    if not value:
        return None
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
