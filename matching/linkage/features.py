"""Features: the normal forms of a person record that blocking and comparisons work on.

Vietnamese names are written many ways for one person: NFC or NFD, `Ð` for `Đ`, old or new tone
placement (`Hoà`/`Hòa`, `Thuỷ`/`Thủy`), `y` or `i` (`Sỹ`/`Sĩ`, `Quý`/`Quí`), with or without
diacritics, with or without the middle `Thị`/`Văn`. :func:`canonical_name` removes the spelling
choices and keeps the diacritics; :func:`name_parts` splits it into surname, middle and given
name (the given name is the last word; compound surnames such as `Tôn Nữ` are kept whole).

Both sides of the linkage are turned into one :class:`Features` of numpy arrays. Text values are
factorised *jointly* over records and population, so equal codes mean equal values and every
comparison and blocking key is an integer operation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from matching.address import address_keys, house_number
from matching.text import clean_series, fold_series

__all__ = [
    "COMPOUND_SURNAMES",
    "MIDDLE_FILLERS",
    "Features",
    "NameParts",
    "build_features",
    "canonical_name",
    "name_parts",
    "value_codes",
]

# Old placement puts the tone on the last vowel of oa/oe/uy at the end of a syllable (hoà); the
# new one on the first (hòa). Canonical form: the new placement.
_TONES = {"a": "àáảãạ", "e": "èéẻẽẹ", "y": "ỳýỷỹỵ", "o": "òóỏõọ", "u": "ùúủũụ"}
_OLD_TONE = {}
for _first, _second in (("o", "a"), ("o", "e"), ("u", "y")):
    for _i, _marked in enumerate(_TONES[_second]):
        _OLD_TONE[_first + _marked] = _TONES[_first][_i] + _second
_LETTERS = "a-zàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
_OLD_TONE_RE = re.compile(r"(?:{})(?![{}])".format("|".join(_OLD_TONE), _LETTERS))
# A syllable whose only vowel is y after a consonant onset is also written with i (Sỹ/Sĩ, Quý/Quí).
_Y_I = {"y": "i", "ỳ": "ì", "ý": "í", "ỷ": "ỉ", "ỹ": "ĩ", "ỵ": "ị"}
_Y_SYLLABLE = re.compile(r"\b(b|c|d|đ|g|h|k|l|m|n|p|qu|r|s|t|v|x|ch|gh|kh|nh|ph|th|tr|ng|ngh)([yỳýỷỹỵ])\b")

# Thị/Văn, and how they are shortened when typed (Th., V., a letter dropped).
MIDDLE_FILLERS = frozenset({"thi", "van", "th", "t", "vn", "va", "v"})
COMPOUND_SURNAMES = frozenset({"ton nu", "ton that", "au duong", "tu ma", "gia cat", "hoang phu", "cong ton",
                               "nguyen phuc"})


def _canonical_of_clean(text: str) -> str:
    text = text.lower()
    # y -> i first: in "quý" the u belongs to the onset, not to an "uy" vowel.
    text = _Y_SYLLABLE.sub(lambda m: m.group(1) + _Y_I[m.group(2)], text)
    return _OLD_TONE_RE.sub(lambda m: _OLD_TONE[m.group(0)], text)


def canonical_names(values: np.ndarray) -> np.ndarray:
    """:func:`canonical_name` of many values (cleaning vectorised; ``None`` where empty)."""
    cleaned = clean_series(pd.Series(_objects(values), dtype=object)).to_numpy(dtype=object)
    return np.array([None if t is None or t != t else _canonical_of_clean(t) for t in cleaned], dtype=object)


def canonical_name(value: str | None) -> str | None:
    """Lower case NFC with one tone placement and `i` for the `y` that may be `i`; diacritics kept.

    >>> canonical_name("NGUYỄN THỊ HOÀ") == canonical_name("Nguye\u0302\u0303n Thị Hòa")
    True
    >>> canonical_name("Lê Văn Sỹ"), canonical_name("Trần Quý"), canonical_name("Lê Huy")
    ('lê văn sĩ', 'trần quí', 'lê huy')
    >>> canonical_name("Thuỷ") == canonical_name("Thủy"), canonical_name("  ") is None
    (True, True)
    """
    canon: str | None = canonical_names(np.array([value], dtype=object))[0]
    return canon


class NameParts(NamedTuple):
    """A name's forms; all but ``canon`` folded (no diacritics)."""

    canon: str
    folded: str
    surname: str
    middle: str
    given: str
    core: str  # folded, without a middle Thị/Văn


def _split(canon: str, folded: str) -> NameParts:
    words = folded.split(" ")
    n_surname = 2 if len(words) > 2 and " ".join(words[:2]) in COMPOUND_SURNAMES else 1
    surname = " ".join(words[:n_surname])
    given = words[-1] if len(words) > n_surname else ""
    middle_words = words[n_surname:-1] if given else []
    core_middle = [w for w in middle_words if w not in MIDDLE_FILLERS]
    core = " ".join([surname, *core_middle, given]).strip()
    return NameParts(canon, folded, surname, " ".join(middle_words), given, core)


def name_parts_of(canon: np.ndarray) -> list[NameParts]:
    """:func:`name_parts` of canonical names (folding vectorised); empty parts where ``None``."""
    folded = fold_series(pd.Series(_objects(canon), dtype=object)).to_numpy(dtype=object)
    return [_split(c, f) if isinstance(c, str) and isinstance(f, str) else NameParts("", "", "", "", "", "")
            for c, f in zip(canon, folded, strict=True)]


def name_parts(value: str | None) -> NameParts | None:
    """Split a name: surname (compound kept), middle, given (last word), and the core form.

    >>> name_parts("Tôn Nữ Thị Hoà")  # doctest: +NORMALIZE_WHITESPACE
    NameParts(canon='tôn nữ thị hòa', folded='ton nu thi hoa', surname='ton nu', middle='thi', given='hoa',
              core='ton nu hoa')
    >>> name_parts("NGUYEN VAN  HUNG").core, name_parts("Nguyễn Hùng").core
    ('nguyen hung', 'nguyen hung')
    """
    canon = canonical_name(value)
    if canon is None:
        return None
    return name_parts_of(np.array([canon], dtype=object))[0]


@dataclass(frozen=True)
class Features:
    """Column arrays of one side (records or population), aligned with its rows.

    Codes are ``-1`` where the value is missing; text arrays hold ``""`` there.
    """

    key: np.ndarray  # record_key or person_id (object)
    canon: np.ndarray  # int codes of the canonical name (diacritics kept)
    folded: np.ndarray  # int codes of the folded name
    core: np.ndarray  # int codes of the folded name without Thị/Văn
    given: np.ndarray  # int codes of the folded given name
    folded_text: np.ndarray  # object: folded name, for Jaro-Winkler
    core_text: np.ndarray  # object
    given_text: np.ndarray  # object
    year: np.ndarray  # int16
    month: np.ndarray  # int8
    day: np.ndarray  # int8
    sex: np.ndarray  # int8: 0 M, 1 F
    ward: np.ndarray  # int32
    province: np.ndarray  # int16
    pid: np.ndarray  # int64: the personal ID (12 digits in Viet Nam) as a number
    id_text: np.ndarray  # object: digits as recorded (or the 12-digit ID), for edit distance
    legacy: np.ndarray  # bool: only a 9-digit legacy ID is known
    address: np.ndarray | None = None  # int32 codes of the address key (matching.address); None: no column
    address_text: np.ndarray | None = None  # object: address key, "" where missing
    house: np.ndarray | None = None  # int32 codes of the house number, -1 where none
    address_home: np.ndarray | None = None  # bool: the address is the home (not a business address)
    legacy_id: np.ndarray | None = None  # int64: the 9-digit legacy ID as a number, -1 where none
    # Records: the commune / province where the person works (a manager's organisation), -1 where
    # unknown. Population: the home's, so that blocking can join the two.
    work_ward: np.ndarray | None = None  # int32
    work_province: np.ndarray | None = None  # int16
    ends: np.ndarray | None = None  # int codes of "surname given" (the middle names left out)
    # Records: the organisation (tax code) the record says the person works for, -1 where none: a labour
    # contract's employer, an insured record's unit's organisation. Population: None.
    employer: np.ndarray | None = None  # int32
    contract: np.ndarray | None = None  # bool: the record is a labour contract (else: an insurance record)

    @property
    def year_only(self) -> np.ndarray:
        """The date of birth is known to the year only: partial, or the `YYYY-01-01` placeholder."""
        placeholder = (self.month == 1) & (self.day == 1)
        known: np.ndarray = (self.year >= 0) & ((self.month < 0) | (self.day < 0) | placeholder)
        return known

    def __len__(self) -> int:
        return len(self.key)


def _int_or_missing(values: pd.Series, dtype: str) -> np.ndarray:
    """Whole numbers as ``dtype``, -1 where missing or not a number (digit strings cast by Arrow:
    ``pd.to_numeric`` takes seconds on a million IDs)."""
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        text = pa.array(_objects(values.to_numpy(dtype=object)), type=pa.string())
        digits = pc.match_substring_regex(text, r"^[0-9]{1,18}$")
        numbers = pc.cast(pc.if_else(digits, text, pa.scalar(None, pa.string())), pa.int64())
        cast: np.ndarray = numbers.fill_null(-1).to_numpy(zero_copy_only=False).astype(dtype)
        return cast
    numbers = pd.to_numeric(values, errors="coerce")
    converted: np.ndarray = numbers.fillna(-1).to_numpy().astype(dtype)
    return converted


def _objects(values: pd.Series | np.ndarray) -> np.ndarray:
    """An object array with ``None`` for every missing value (NaN, NA, None)."""
    array = np.asarray(values, dtype=object)
    missing = pd.isna(array)
    if missing.any():
        array = array.copy()
        array[missing] = None
    return array


def value_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (int32, ``-1`` for missing or empty) and the distinct values."""
    codes, uniques = pd.factorize(_objects(values), use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    empty = np.flatnonzero(uniques == "")
    codes = codes.astype(np.int32)
    if len(empty):
        codes[codes == empty[0]] = -1
    return codes, uniques


def _place_codes(records: pd.DataFrame, population: pd.DataFrame,
                 column: str) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Codes of a place column (homes of records, of population) and of the records' ``work_<column>``,
    factorised together: equal codes, same place."""
    n_rec, n_pop = len(records), len(population)
    work = records[f"work_{column}"] if f"work_{column}" in records.columns else pd.Series([None] * n_rec)
    codes, _ = value_codes(np.concatenate([_objects(records[column]), _objects(population[column]), _objects(work)]))
    return (codes[:n_rec], codes[n_rec:n_rec + n_pop]), codes[n_rec + n_pop:]


def _gather(table: np.ndarray, codes: np.ndarray, missing: object) -> np.ndarray:
    """``table[codes]`` with ``missing`` where a code is -1."""
    out = table[np.maximum(codes, 0)] if len(table) else np.full(len(codes), missing, dtype=table.dtype)
    out[codes < 0] = missing
    return out


def _name_codes(names: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per name form: row codes and the text of each code, with every distinct name parsed once.

    Registers repeat names and their spellings a lot: raw spellings are parsed once, and the
    parts of each canonical name once.
    """
    raw_codes, raw = value_codes(names)
    canon_of_raw, canon = value_codes(canonical_names(raw))
    parts = name_parts_of(canon)
    out = {"canon": (_gather(canon_of_raw, raw_codes, -1), canon)}
    for index, part in enumerate(NameParts._fields):
        if part == "canon":
            continue
        part_of_canon, vocab = value_codes(np.array([p[index] for p in parts], dtype=object))
        out[part] = (_gather(_gather(part_of_canon, canon_of_raw, -1), raw_codes, -1), vocab)
    # Surname and given name alone: the middle names dropped, changed or moved between fields.
    ends = np.array([f"{p.surname} {p.given}" if p.given else "" for p in parts], dtype=object)
    ends_of_canon, vocab = value_codes(ends)
    out["ends"] = (_gather(_gather(ends_of_canon, canon_of_raw, -1), raw_codes, -1), vocab)
    return out


def _address_codes(records: pd.DataFrame, population: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """Joint codes of the address keys and of their house numbers, and the key text, per row."""
    raw_codes, raw_address = value_codes(np.concatenate([_objects(records["address"]),
                                                        _objects(population["address"])]))
    keys = address_keys(raw_address)
    key_codes, vocab = value_codes(keys)  # equal once normalised: equal codes
    house_codes, _ = value_codes(np.array([house_number(k) for k in vocab], dtype=object))
    address = _gather(key_codes, raw_codes, -1)
    text = _gather(keys, raw_codes, "") if len(keys) else np.full(len(raw_codes), "", dtype=object)
    house = _gather(house_codes, address, -1) if len(vocab) else np.full(len(raw_codes), -1, dtype=np.int32)
    return address, text, house


def build_features(records: pd.DataFrame, population: pd.DataFrame) -> tuple[Features, Features]:
    """Features of records and of population, with jointly factorised codes.

    ``address`` is optional on both sides: where both carry it, it is compared too. On the
    records side ``address_is_home`` (optional, default true) says whether the address is the
    person's home: a business address that differs from the home says nothing.
    """
    n_rec = len(records)
    names = _name_codes(np.concatenate([_objects(records["full_name"]), _objects(population["full_name"])]))
    codes = {part: (row_codes[:n_rec], row_codes[n_rec:]) for part, (row_codes, _) in names.items()}
    texts = {part: _gather(vocab, row_codes, "") if len(vocab) else np.full(len(row_codes), "", dtype=object)
             for part, (row_codes, vocab) in names.items() if part in ("folded", "core", "given")}
    wards, work_wards = _place_codes(records, population, "ward_code")
    provinces, work_provinces = _place_codes(records, population, "province_code")
    # The spine's own ID: person_id, or ``id_number`` where the spine keys its rows by something
    # else (FEBRL's record ids; its social security numbers are the ID).
    pop_ids = population["id_number"] if "id_number" in population.columns else population["person_id"]
    rec_pid, pop_pid = _int_or_missing(records["person_id"], "int64"), _int_or_missing(pop_ids, "int64")
    raw = _objects(records["person_id_raw"])
    raw_ok = np.array([isinstance(v, str) and 5 <= len(v) <= 16 and v.isdigit() for v in raw], dtype=bool)
    person_ids = _objects(records["person_id"])
    rec_id_text = np.where(raw_ok, raw, person_ids)
    rec_id_text = np.where(pd.isna(rec_id_text), "", rec_id_text).astype(object)
    legacy_ids = _objects(records["legacy_id"])
    legacy = ~pd.isna(legacy_ids) & pd.isna(person_ids)
    legacy_numbers = np.array([int(v) if isinstance(v, str) and v.isdigit() else -1 for v in legacy_ids],
                              dtype=np.int64)
    with_address = "address" in records.columns and "address" in population.columns
    if with_address:
        address_codes, address_text, house_codes = _address_codes(records, population)
        home = (records["address_is_home"].fillna(True).to_numpy(dtype=bool) if "address_is_home" in records
                else np.ones(n_rec, dtype=bool))

    employer = value_codes(_objects(records["employer"]))[0] if "employer" in records.columns else None
    contract = (records["is_contract"].fillna(False).to_numpy(dtype=bool) if "is_contract" in records.columns
                else None)

    def side(frame: pd.DataFrame, index: int, rows: slice, pid: np.ndarray, id_text: np.ndarray,
             legacy_flags: np.ndarray, legacy_id: np.ndarray | None, address_home: np.ndarray | None,
             work_ward: np.ndarray, work_province: np.ndarray, employer: np.ndarray | None = None,
             contract: np.ndarray | None = None) -> Features:
        sex = frame["sex"].map({"M": 0, "F": 1})
        return Features(
            key=np.asarray(frame["_key"], dtype=object),
            canon=codes["canon"][index], folded=codes["folded"][index], core=codes["core"][index],
            given=codes["given"][index], ends=codes["ends"][index],
            folded_text=texts["folded"][rows], core_text=texts["core"][rows], given_text=texts["given"][rows],
            year=_int_or_missing(frame["dob_year"], "int16"), month=_int_or_missing(frame["dob_month"], "int8"),
            day=_int_or_missing(frame["dob_day"], "int8"), sex=sex.fillna(-1).to_numpy().astype("int8"),
            ward=wards[index], province=provinces[index].astype("int16"), pid=pid,
            id_text=id_text, legacy=legacy_flags,
            address=address_codes[rows] if with_address else None,
            address_text=address_text[rows] if with_address else None,
            house=house_codes[rows] if with_address else None,
            address_home=address_home if with_address else None,
            legacy_id=legacy_id,
            work_ward=work_ward, work_province=work_province, employer=employer,
            contract=contract,
        )

    rec = side(records.assign(_key=records["record_key"]), 0, slice(0, n_rec), rec_pid, rec_id_text,
               np.asarray(legacy, dtype=bool), legacy_numbers, home if with_address else None,
               work_wards, work_provinces.astype(np.int16), employer, contract)
    pop_ids = np.where(pd.isna(_objects(pop_ids)), "", _objects(pop_ids))
    pop = side(population.assign(_key=population["person_id"]), 1, slice(n_rec, None), pop_pid,
               pop_ids.astype(object), np.zeros(len(population), dtype=bool), None,
               np.ones(len(population), dtype=bool), wards[1], provinces[1].astype(np.int16))
    return rec, pop
