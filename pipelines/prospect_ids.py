"""``prospect_id``: one prospect's name across nights, revealing no personal ID.

A prospect is its group and its key (contract: ``tax_code``, ``person_id``, ``business_id``, empty
where not part of it); while those stay the same the ID does, whatever noise the records carry
and whichever commune lists it. The ID is a keyed hash (HMAC-SHA256) of group and key, its first
100 bits in base32 (20 characters): without the key nobody can test a guessed personal ID against
it, and among 100 million prospects the chance that two share an ID is about 4e-15.

The key comes from the environment variable :data:`KEY_VARIABLE`, never from the data. In
production (``COVGAP_PRODUCTION=1``) a missing key stops the run; elsewhere (the sample, tests,
a developer's machine) the documented :data:`SAMPLE_KEY` is used. Changing the key renames every
prospect: the state store then sees every prospect as new.

>>> prospect_id("hi_prospect", "001090123456", "", "", key=b"k")
'FAZJATN2WN5JEHLNT4TJ'
>>> prospect_id("hi_prospect", "001090123456", None, None, key=b"k") == prospect_id(
...     "hi_prospect", " 001090123456 ", "", "", key=b"k")
True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import pandas as pd

from pipelines.exceptions import CovgapError

__all__ = ["ID_CHARACTERS", "KEY_COLUMNS", "KEY_VARIABLE", "PRODUCTION_VARIABLE", "SAMPLE_KEY", "ProspectKeyMissing",
           "prospect_id", "prospect_ids", "prospect_key"]

KEY_VARIABLE = "COVGAP_PROSPECT_KEY"
PRODUCTION_VARIABLE = "COVGAP_PRODUCTION"
#: The key of the sample and the tests: public, so IDs made with it protect nothing.
SAMPLE_KEY = "covgap-sample-key-not-secret"
#: The columns that, with ``group``, make a prospect (``ward_code`` is not one: a prospect that moves stays itself).
KEY_COLUMNS = ("person_id", "tax_code", "business_id")
ID_CHARACTERS = 20  # base32: 5 bits each, 100 bits
_SEPARATOR = "\x1f"  # never inside a group name or an ID


class ProspectKeyMissing(CovgapError):
    """Production mode without the key of the prospect IDs."""


def prospect_key(environ: dict[str, str] | None = None) -> bytes:
    """The HMAC key: ``COVGAP_PROSPECT_KEY``; the sample key outside production.

    >>> prospect_key({"COVGAP_PROSPECT_KEY": "s3cret"})
    b's3cret'
    >>> prospect_key({}) == SAMPLE_KEY.encode()
    True
    """
    env = os.environ if environ is None else environ
    key = env.get(KEY_VARIABLE, "")
    if key:
        return key.encode("utf-8")
    if env.get(PRODUCTION_VARIABLE, "") == "1":
        raise ProspectKeyMissing(
            f"{KEY_VARIABLE} is not set and {PRODUCTION_VARIABLE}=1: the prospect IDs need their secret key; set "
            f"{KEY_VARIABLE} (the same value every night, kept outside the data) in the environment of the run")
    return SAMPLE_KEY.encode("utf-8")


def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def prospect_id(group: str, person_id: object, tax_code: object, business_id: object, *, key: bytes) -> str:
    """The ID of one prospect (missing parts of the key count as empty)."""
    message = _SEPARATOR.join((_text(group), _text(person_id), _text(tax_code), _text(business_id)))
    digest = hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b32encode(digest[:15]).decode("ascii")[:ID_CHARACTERS]


def prospect_ids(frame: pd.DataFrame, key: bytes | None = None) -> pd.Series:
    """``prospect_id`` of every row of a table with ``group`` and the key columns."""
    key = prospect_key() if key is None else key
    columns = [frame[c] if c in frame else pd.Series(None, index=frame.index, dtype=object)
               for c in ("group", *KEY_COLUMNS)]
    ids = [prospect_id(g, p, t, b, key=key) for g, p, t, b in zip(*columns, strict=True)]
    return pd.Series(ids, index=frame.index, dtype=object)
