"""How many managers and household owners no linkage can place: the recall ceiling of their groups.

    python benchmarks/identifiability.py WORLD_DIR

A true prospect's register row is *indistinguishable* when another resident fits it at least as
well as the true person on everything the row carries: the name (with diacritics when the row
has them, else folded; `Thị`/`Văn` aside; both as the linkage forms them), sex, date of birth (the
same value; a compatible partial date or day and month swapped; the same year or a year apart), nearness to the commune
the prospect is listed in (the organisation's or the business's: same commune, same province,
elsewhere) and the row's address. A row is placeable anyway when its ID is the true person's
within one edit, or its legacy CMND also appears on another row (a crosswalk can carry it).
A method that does not guess between indistinguishable residents misses such a prospect (unless
another row of the same prospect places it): one minus their share is the recall it can reach.
It is approximate: a model that weighs more than these fields may place a few of them. Rules
(age, insurance) are not re-checked: the rows are the truth's prospects.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz.distance import DamerauLevenshtein

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching.address import address_keys  # noqa: E402
from matching.admin_units import province_of  # noqa: E402
from matching.linkage.features import canonical_names, name_parts_of  # noqa: E402

READ = {"dtype": str, "keep_default_na": False, "encoding": "utf-8-sig"}
GROUPS = {  # group: register, truth links file, key column, row columns (id, name, date, sex)
    "uninsured_manager": ("managers", "manager_links.csv", "tax_code",
                          ("person_id", "full_name", "date_of_birth", "sex")),
    "uninsured_household_owner": ("household_businesses", "household_owner_links.csv", "business_id",
                                  ("owner_person_id", "owner_full_name", "owner_date_of_birth", None)),
}


def _name_keys(names: pd.Series) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """(canonical name, folded core without Thị/Văn, whether the name has diacritics), as the
    linkage forms them."""
    canon = canonical_names(names.to_numpy(dtype=object))
    core = [parts.core for parts in name_parts_of(canon)]
    canon = pd.Series(canon, index=names.index, dtype=object).fillna("")
    return canon, pd.Series(core, index=names.index, dtype=object), ~names.map(str.isascii).to_numpy()


def _relation(ward: pd.Series, place: pd.Series) -> np.ndarray:
    """2 same commune, 1 same province, 0 elsewhere (or unknown place)."""
    ward, place = ward.fillna("").reset_index(drop=True), place.fillna("").reset_index(drop=True)
    province, place_province = province_of(ward).fillna(""), province_of(place).fillna("")
    same_province = ((province == place_province) & (place_province != "")).to_numpy()
    return np.where(((ward == place) & (place != "")).to_numpy(), 2, np.where(same_province, 1, 0))


def rows_of_prospects(world: Path, group: str) -> pd.DataFrame:
    """The truth prospects of ``group`` with their register rows; ``place`` is the commune the
    prospect is listed in (the organisation's or the business's)."""
    register, links_file, key, (id_col, name_col, dob_col, sex_col) = GROUPS[group]
    prospects = pd.read_csv(world / "truth" / "prospects.csv", **READ)
    prospects = prospects.loc[prospects["group"] == group, [key, "person_id", "ward_code"]].drop_duplicates()
    rows = pd.read_csv(world / f"{register}.csv", **READ)
    rows["row_number"] = (np.arange(len(rows)) + 1).astype(str)
    links = pd.read_csv(world / "truth" / links_file, **READ).rename(columns={"org_tax_code": key})
    out = prospects.rename(columns={"ward_code": "place"}).merge(
        links[[key, "person_id", "row_number"]], on=[key, "person_id"])
    renamed = rows.rename(columns={id_col: "declared", name_col: "name", dob_col: "dob", sex_col: "sex"})
    for column in ("sex", "address"):  # household businesses carry no owner's sex; managers no address
        if column not in renamed:
            renamed[column] = ""
    return out.merge(renamed[["row_number", "declared", "name", "dob", "sex", "address"]], on="row_number")


def _dob_level(recorded: pd.Series, stored: pd.Series) -> np.ndarray:
    """3 the same value (or none recorded); 2 compatible (one a prefix of the other: a partial
    date) or day and month swapped; 1 the same year, or the same day and month a year apart;
    0 otherwise."""
    rec, sto = recorded.fillna("").to_numpy(dtype=object), stored.fillna("").to_numpy(dtype=object)
    out = np.zeros(len(rec), dtype=np.int8)
    for i, (a, b) in enumerate(zip(rec, sto, strict=True)):
        if a == "" or a == b:
            out[i] = 3
        elif b.startswith(a) or a.startswith(b) or (len(a) == len(b) == 10 and a[:4] == b[:4]
                                                     and a[5:7] == b[8:10] and a[8:10] == b[5:7]):
            out[i] = 2
        elif a[:4] == b[:4] or (len(a) == len(b) == 10 and a[4:] == b[4:]
                                and abs(int(a[:4]) - int(b[:4])) <= 1):
            out[i] = 1
    return out


def _levels(frame: pd.DataFrame, suffix: str) -> dict[str, np.ndarray]:
    """How well the resident with columns ``*{suffix}`` fits each row, per field (higher: better)."""
    exact = frame[f"exact{suffix}"] == frame["exact"]
    core = frame[f"core{suffix}"] == frame["core"]
    dob = frame[f"date_of_birth{suffix}"]
    return {
        "name": np.where(exact | (core & ~frame["accented"]), 2, np.where(core, 1, 0)),
        "sex": ((frame["sex"] == "") | (frame[f"sex{suffix}"] == frame["sex"])).to_numpy(),
        "dob": _dob_level(frame["dob"], dob),
        "place": _relation(frame[f"ward_code{suffix}"], frame["place"]),
        "address": ((frame["address_key"] != "")
                    & (frame[f"address_key{suffix}"] == frame["address_key"])).to_numpy(),
    }


def indistinguishable(rows: pd.DataFrame, population: pd.DataFrame, legacy_count: pd.Series) -> np.ndarray:
    """Per row: another resident fits it at least as well as the true person on every field."""
    rows = rows.reset_index(drop=True).copy()
    rows["exact"], rows["core"], accented = _name_keys(rows["name"])
    rows["accented"] = accented
    rows["address_key"] = address_keys(rows["address"].replace("", None))
    rows["row"] = np.arange(len(rows))
    true = population.set_index("person_id").loc[rows["person_id"]].reset_index()
    for column in ("exact", "core", "date_of_birth", "sex", "ward_code", "address_key"):
        rows[f"{column}_t"] = true[column].to_numpy()
    true_levels = _levels(rows, "_t")
    cand = rows.merge(population.rename(columns=lambda c: c if c == "core" else f"{c}_p"), on="core")
    cand = cand[cand["person_id_p"] != cand["person_id"]].reset_index(drop=True)
    cand["core_p"] = cand["core"]
    at = cand["row"].to_numpy()
    fits = np.ones(len(cand), dtype=bool)
    for field, level in _levels(cand, "_p").items():
        fits &= level >= true_levels[field][at]
    ambiguous = np.zeros(len(rows), dtype=bool)
    ambiguous[np.unique(at[fits])] = True
    declared = rows["declared"].to_numpy()
    near_id = np.array([len(d) >= 11 and DamerauLevenshtein.distance(d, t) <= 1
                        for d, t in zip(declared, rows["person_id"], strict=True)])
    crosswalk = np.array([len(d) == 9 and legacy_count.get(d, 0) > 1 for d in declared])
    return ambiguous & ~near_id & ~crosswalk


def ceiling(world: Path) -> pd.DataFrame:
    population = pd.read_csv(world / "population.csv", **READ)
    bad = pd.read_csv(world / "truth" / "quarantine.csv", **READ)
    bad = bad.loc[bad["register"] == "population", "row_number"].astype(int).to_numpy()
    population = population.drop(index=bad - 1).drop_duplicates("person_id")  # as a run would use it
    population = population[["person_id", "full_name", "date_of_birth", "sex", "ward_code", "address"]].copy()
    population["exact"], population["core"], _ = _name_keys(population["full_name"])
    population["address_key"] = address_keys(population["address"].replace("", None))
    population = population.drop(columns=["full_name", "address"])
    legacy = pd.concat([pd.read_csv(world / f"{name}.csv", usecols=[column], **READ)[column]
                        for name, column in (("insured", "person_id"), ("managers", "person_id"),
                                             ("household_businesses", "owner_person_id"))])
    legacy_count = legacy[legacy.str.len() == 9].value_counts()
    out = []
    for group, (_, _, key, _) in GROUPS.items():
        rows = rows_of_prospects(world, group)
        rows["stuck"] = indistinguishable(rows, population, legacy_count)
        # A prospect is lost only when every row of it is stuck.
        lost = rows.groupby([key, "person_id"])["stuck"].all()
        out.append({"group": group, "prospects": len(lost), "rows": len(rows), "rows_indistinguishable":
                    int(rows["stuck"].sum()), "prospects_lost": int(lost.sum()),
                    "recall_ceiling": round(1 - lost.mean(), 4)})
    return pd.DataFrame(out)


def main() -> None:
    print(ceiling(Path(sys.argv[1])).to_string(index=False))


if __name__ == "__main__":
    main()
