"""Which person records no linkage can place without guessing (used by identifiability.py).

A record of a resident is *stuck* when another resident fits it at least as well as the true
person on everything the record carries: the name (with diacritics when the record has them,
else folded; `Thị`/`Văn` aside; both as the linkage forms them), sex, date of birth (the same
value; a compatible partial date or day and month swapped; the same year or a year apart), the
commune it names (same commune, same province, elsewhere; an old code of a split commune names
all its successors) and its address. It is placeable anyway when its ID is the true person's
within one edit, or its legacy CMND also appears on another row (a crosswalk can carry it).

A record of somebody outside the population extract is *explained* by a resident who fits it
perfectly (the same name, sex where given, a compatible date, the same commune where given, the
same address where given) when it carries no 12-digit ID that would tell them apart: any method
then takes it for that resident's (when exactly one resident is such; with two it is stuck).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz.distance import DamerauLevenshtein

from matching.address import address_keys
from matching.admin_units import candidates_of, is_current, province_of
from matching.linkage.features import canonical_names, name_parts_of

__all__ = ["person_keys", "record_keys", "stuck_records", "explained_records", "dob_levels"]

FIELDS = ("name", "sex", "dob", "place", "address")


def _names(values: pd.Series) -> pd.DataFrame:
    """Canonical name, folded core without Thị/Văn, and whether the text has diacritics."""
    raw = values.fillna("").to_numpy(dtype=object)
    uniq, inv = np.unique(raw, return_inverse=True)  # names repeat a lot: work each out once
    canon = canonical_names(uniq)
    core = np.array([p.core for p in name_parts_of(canon)], dtype=object)
    canon = np.array(["" if c is None else c for c in canon], dtype=object)
    accented = np.array([not s.isascii() for s in uniq], dtype=bool)
    return pd.DataFrame({"canon": canon[inv], "core": core[inv], "accented": accented[inv]}, index=values.index)


def person_keys(population: pd.DataFrame) -> pd.DataFrame:
    """The usable residents, with the forms the comparisons need."""
    out = population[["person_id", "date_of_birth", "sex", "ward_code", "household_id"]].copy()
    out = out.join(_names(population["full_name"]))
    out["address_key"] = address_keys(population["address"].replace("", None))
    out["province"] = province_of(out["ward_code"]).fillna("").to_numpy()
    out["year"] = out["date_of_birth"].str.slice(0, 4)
    return out.reset_index(drop=True)


def record_keys(frame: pd.DataFrame, declared: str, name: str, dob: str, sex: str | None, place: pd.Series,
                address: str | None) -> pd.DataFrame:
    """A register's rows in one shape: declared ID, name forms, date, sex, place, address key.

    ``place`` is the commune code the row names (current or old; empty when unknown).
    """
    out = pd.DataFrame({"declared": frame[declared].to_numpy(), "dob": frame[dob].to_numpy(),
                        "sex": frame[sex].to_numpy() if sex else "", "place": place.to_numpy(),
                        "true_id": frame["_person_id"].to_numpy()})
    out = out.join(_names(frame[name].reset_index(drop=True)))
    out["address_key"] = address_keys(frame[address].replace("", None)) if address else ""
    out["year"] = out["dob"].str.slice(0, 4)
    # the current communes the place may mean: itself, its successor, or a split one's successors
    uniq = pd.Series(pd.unique(out["place"]), dtype=object)
    succ = dict(zip(uniq, [(p,) if cur else candidates_of(p) for p, cur in zip(uniq, is_current(uniq), strict=True)],
                    strict=True))
    out["place_province"] = province_of(pd.Series([(succ[p] or ("",))[0] for p in out["place"]])).fillna("")
    return out


def dob_levels(recorded: np.ndarray, stored: np.ndarray) -> np.ndarray:
    """3 the same value (or none recorded); 2 compatible (one a prefix of the other: a partial
    date) or day and month swapped; 1 the same year, or the same day and month a year apart;
    0 otherwise."""
    out = np.zeros(len(recorded), dtype=np.int8)
    for i, (a, b) in enumerate(zip(recorded, stored, strict=True)):
        if a == "" or a == b:
            out[i] = 3
        elif b.startswith(a) or a.startswith(b) or (len(a) == len(b) == 10 and a[:4] == b[:4]
                                                     and a[5:7] == b[8:10] and a[8:10] == b[5:7]):
            out[i] = 2
        elif a[:4] == b[:4] or (len(a) == len(b) == 10 and a[4:] == b[4:] and a[:4].isdigit() and b[:4].isdigit()
                                and abs(int(a[:4]) - int(b[:4])) <= 1):
            out[i] = 1
    return out


def _succession(records: pd.DataFrame) -> set[tuple[str, str]]:
    """(place as written, current commune it may mean) for every place that is an old code."""
    uniq = pd.Series(pd.unique(records["place"]), dtype=object)
    return {(p, c) for p, cur in zip(uniq, is_current(uniq), strict=True) if not cur for c in candidates_of(p)}


def _levels(pairs: pd.DataFrame, succ: set[tuple[str, str]]) -> dict[str, np.ndarray]:
    """Per pair (record columns, resident columns ``*_p``): how well the resident fits (higher: better)."""
    exact = pairs["canon"].to_numpy() == pairs["canon_p"].to_numpy()
    core = pairs["core"].to_numpy() == pairs["core_p"].to_numpy()
    accented = pairs["accented"].to_numpy()
    sex = pairs["sex"].to_numpy()
    place, ward = pairs["place"].to_numpy(), pairs["ward_code_p"].to_numpy()
    same_ward = (place == ward) | np.array([(p, w) in succ for p, w in zip(place, ward, strict=True)], dtype=bool)
    same_prov = (pairs["place_province"].to_numpy() == pairs["province_p"].to_numpy()) & (place != "")
    addr = pairs["address_key"].to_numpy()
    return {
        "name": np.where(exact | (core & ~accented), 2, np.where(core, 1, 0)),
        "sex": ((sex == "") | (sex == pairs["sex_p"].to_numpy())).astype(np.int8),
        "dob": dob_levels(pairs["dob"].to_numpy(dtype=object), pairs["date_of_birth_p"].to_numpy(dtype=object)),
        "place": np.where(same_ward & (place != ""), 2, np.where(same_prov, 1, 0)),
        "address": ((addr != "") & (addr == pairs["address_key_p"].to_numpy())).astype(np.int8),
    }


_REC = ["row", "canon", "core", "accented", "sex", "dob", "place", "place_province", "address_key", "true_id"]
_PER = ["person_id", "canon", "core", "sex", "date_of_birth", "ward_code", "province", "address_key"]


def _candidates(records: pd.DataFrame, people: pd.DataFrame, keys: list[str], left: list[str] | None = None
                ) -> pd.DataFrame:
    """Pairs of each record with the residents sharing ``keys`` (record columns ``left``), with
    only the columns the comparisons read."""
    left = left or keys
    lcols = list(dict.fromkeys([*_REC, *left]))
    right = people[list(dict.fromkeys([*_PER, *keys]))].add_suffix("_p")
    pairs = records[[c for c in lcols if c in records]].merge(right, left_on=left, right_on=[f"{k}_p" for k in keys])
    return pairs[[c for c in pairs if c in _REC or c.endswith("_p")]]


def _placed_by_id(records: pd.DataFrame, legacy_count: pd.Series) -> np.ndarray:
    """The declared ID is the true person's within one edit, or a legacy ID a crosswalk carries."""
    declared = records["declared"].to_numpy(dtype=object)
    true_id = records["true_id"].to_numpy(dtype=object)
    near_id = np.array([len(d) >= 11 and t != "" and (d == t or DamerauLevenshtein.distance(d, t) <= 1)
                        for d, t in zip(declared, true_id, strict=True)], dtype=bool)
    crosswalk = np.array([len(d) == 9 and legacy_count.get(d, 0) > 1 for d in declared], dtype=bool)
    return near_id | crosswalk


def _tied(rec: pd.DataFrame, people: pd.DataFrame, succ: set[tuple[str, str]]) -> np.ndarray:
    """Rows of ``rec`` (its ``row`` values) that some other resident fits at least as well."""
    at = people.set_index("person_id").loc[rec["true_id"]]
    true = pd.DataFrame({f"{c}_p": at[c].to_numpy() for c in _PER[1:]}, index=rec.index)
    true_lv = _levels(rec.join(true), succ)
    rec = rec.assign(dob_lv=true_lv["dob"], true_core=true["core_p"].to_numpy())
    year = pd.to_numeric(rec["year"], errors="coerce")
    rec["prev_year"] = (year - 1).astype("Int64").astype(str)
    rec["next_year"] = (year + 1).astype("Int64").astype(str)
    parts = []
    for core in ("core", "true_core"):  # a misspelt record: the true person's namesakes tie too
        sub = rec if core == "core" else rec[rec["core"] != rec["true_core"]]
        lv = sub["dob_lv"]
        parts += [
            _candidates(sub[(lv == 3) & (sub["dob"] != "")], people, ["core", "date_of_birth"], [core, "dob"]),
            _candidates(sub[((lv == 3) & (sub["dob"] == "")) | (lv == 0)], people, ["core"], [core]),
            _candidates(sub[lv >= 1], people, ["core", "year"], [core, "year"]),
            _candidates(sub[lv == 1], people, ["core", "year"], [core, "prev_year"]),
            _candidates(sub[lv == 1], people, ["core", "year"], [core, "next_year"]),
        ]
    pairs = pd.concat(parts, ignore_index=True)
    pairs = pairs[pairs["person_id_p"] != pairs["true_id"]].drop_duplicates(["row", "person_id_p"])
    pairs = pairs.reset_index(drop=True)
    fits = np.ones(len(pairs), dtype=bool)
    pos = pd.Index(rec["row"]).get_indexer(pairs["row"])
    for field, level in _levels(pairs, succ).items():
        fits &= level >= true_lv[field][pos]
    return pairs.loc[fits, "row"].to_numpy()


def stuck_records(records: pd.DataFrame, people: pd.DataFrame, legacy_count: pd.Series,
                  chunk: int = 100_000) -> np.ndarray:
    """Per record of a resident: another resident fits it at least as well, and no ID places it."""
    placed = _placed_by_id(records, legacy_count)
    rec = records[records["true_id"].isin(people["person_id"]) & ~placed].copy()  # the rest need no look
    rec["row"] = rec.index.to_numpy()
    succ = _succession(rec)
    stuck = np.zeros(len(records), dtype=bool)
    for start in range(0, len(rec), chunk):  # bounded memory: pairs are made a chunk at a time
        stuck[_tied(rec.iloc[start:start + chunk], people, succ)] = True
    return stuck


def explained_records(records: pd.DataFrame, people: pd.DataFrame) -> np.ndarray:
    """Per record of a non-resident: the ``person_id`` of the one resident who fits it perfectly
    and whom no 12-digit ID on it rules out; ``""`` when none or several do."""
    out = np.full(len(records), "", dtype=object)
    rec = records[(records["true_id"] == "") & records["declared"].str.len().isin([0, 9])].copy()
    if rec.empty:
        return out
    rec["row"] = rec.index.to_numpy()
    rec = rec[[*_REC, "year"]]
    pairs = pd.concat([_candidates(rec[rec["dob"] == ""], people, ["core"]),
                       _candidates(rec[rec["dob"] != ""], people, ["core", "year"])], ignore_index=True)
    lv = _levels(pairs, _succession(rec))
    perfect = ((lv["name"] == 2) & (lv["sex"] == 1) & (lv["dob"] >= 2)
               & ((lv["place"] == 2) | (pairs["place"] == "").to_numpy())
               & ((lv["address"] == 1) | (pairs["address_key"] == "").to_numpy()))
    hit = pairs.loc[perfect, ["row", "person_id_p"]].drop_duplicates()
    single = hit.groupby("row")["person_id_p"].agg(["size", "first"])
    single = single[single["size"] == 1]
    out[single.index.to_numpy()] = single["first"].to_numpy()
    return out
