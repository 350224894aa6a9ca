"""The precision and recall no linkage can pass without guessing, for every prospect group.

    python benchmarks/identifiability.py WORLD_DIR [--as-of YYYY-MM-DD]

Method. Take the truth's links and take away what no method can know from the registers:

- a person record that another resident fits at least as well as its true owner on everything
  it carries (``ties_persons``: name, sex, date, commune, address; unless an ID within one edit of
  the owner's or a legacy-ID crosswalk places it) is left unlinked;
- a record of somebody outside the population extract that exactly one resident fits perfectly,
  with no 12-digit ID on it to tell them apart, is linked to that resident (any method would);
- an employer unit that another organisation fits at least as well as its own on tax code, name,
  commune and address (``ties_units``) is left unlinked; so is the employer a labour contract names
  (the optional register, when the world has it), on tax code, name and workplace commune;
- a household business written with the code of a split old commune is listed in the candidate
  commune where its address is found among the residents when exactly one candidate has it,
  otherwise in the candidate with the lowest code (the contract's rule for a flagged split).

Then compute the groups (six, seven with ``labour``) with the contract's rules on that linkage
(``sample_data.truth``, the same code that made the truth) and score them against the truth on
the full key, ward included.
The result is an approximate ceiling: a model that weighs more than these fields, or reasons over
a whole set of tied namesakes at once, can pass it a little; a model that guesses can be lucky.

What the ties do to each group:

- ``hi_prospect`` and ``voluntary_si_prospect``: a covered person (or one with active SI, or a
  pensioner, or someone listed as a manager or owner instead) whose covering records are all
  stuck cannot be known covered: precision below 1. A true prospect's own records do not cover
  them, so their ties cost nothing; recall falls below 1 only through records of people outside
  the extract that one resident explains (that resident is taken for covered).
- ``uninsured_manager`` / ``uninsured_household_owner``: a stuck manager or business row loses the
  prospect (recall); a placed one whose covering compulsory record is stuck is listed although
  insured (precision); an outsider's row explained by a resident lists that resident; a split
  code left unresolved lists the owner in the wrong commune (both).
- ``uninsured_employee``: as managers, with the employer's link too: a stuck contract or employer
  loses the prospect; an outsider's contract explained by a resident lists that resident.
- ``unregistered_employer`` / ``underdeclared_employer``: an organisation whose every unit is stuck
  looks unregistered (precision of the first, recall of the second); one with a stuck unit among
  others looks short of insured staff (precision of the second).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ties_persons import explained_records, person_keys, record_keys, stuck_records  # noqa: E402
from benchmarks.ties_units import stuck_units  # noqa: E402
from matching.address import address_keys  # noqa: E402
from matching.admin_units import candidates_of, is_current  # noqa: E402
from sample_data.truth import GROUPS, expected_prospects  # noqa: E402

READ = {"dtype": str, "keep_default_na": False, "encoding": "utf-8-sig"}
REGISTERS = ("population", "enterprises", "cooperatives", "managers", "household_businesses", "insured", "employers")
KEY = ["group", "ward_code", "person_id", "tax_code", "business_id"]


def load(world: Path) -> dict[str, pd.DataFrame]:
    """The registers with the truth as hidden columns (``_reason``, ``_person_id``, ``_ward``,
    ``_tax_code``), as ``sample_data.truth`` reads them."""
    tables = {r: pd.read_csv(world / f"{r}.csv", **READ) for r in REGISTERS}
    q = pd.read_csv(world / "truth" / "quarantine.csv", **READ)
    for register, df in tables.items():
        df["_reason"] = ""
        bad = q.loc[q["register"] == register]
        df.loc[bad["row_number"].astype(int).to_numpy() - 1, "_reason"] = bad["reason"].to_numpy()
    truth = world / "truth"
    tables["population"]["_person_id"] = tables["population"]["person_id"]
    tables["insured"]["_person_id"] = pd.read_csv(truth / "insured_links.csv", **READ)["person_id"].to_numpy()
    tables["managers"]["_person_id"] = pd.read_csv(truth / "manager_links.csv", **READ)["person_id"].to_numpy()
    owners = pd.read_csv(truth / "household_owner_links.csv", **READ)
    tables["household_businesses"]["_person_id"] = owners["person_id"].to_numpy()
    tables["household_businesses"]["_ward"] = owners["ward_code"].to_numpy()
    tables["employers"]["_tax_code"] = pd.read_csv(truth / "employer_links.csv", **READ)["tax_code"].to_numpy()
    for register in ("enterprises", "cooperatives"):
        tables[register]["_tax_code"] = tables[register]["tax_code"]
    if (world / "labour.csv").is_file():  # the optional register
        labour = pd.read_csv(world / "labour.csv", **READ)
        links = pd.read_csv(truth / "labour_links.csv", **READ)
        labour["_reason"] = ""
        bad = q.loc[q["register"] == "labour"]
        labour.loc[bad["row_number"].astype(int).to_numpy() - 1, "_reason"] = bad["reason"].to_numpy()
        labour["_person_id"] = links["person_id"].to_numpy()
        labour["_tax_code"] = links["tax_code"].to_numpy()
        labour["_in_force"] = (links["in_force"] == "yes").to_numpy()
        tables["labour"] = labour
    return tables


def _usable(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["_reason"] == ""]


def _resolve_splits(hkd: pd.DataFrame, population: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The commune a non-guessing method lists each business in (written code resolved), and
    per row ``""``, ``"resolved"`` (a split code, the address found in one candidate only) or
    ``"flagged"`` (a split code left to its lowest candidate)."""
    written = hkd["ward_code"].to_numpy(dtype=object)
    out = written.copy()
    status = np.full(len(written), "", dtype=object)
    keys = address_keys(hkd["address"].replace("", None))
    homes = set(zip(population["ward_code"], address_keys(population["address"].replace("", None)), strict=True))
    current = is_current(hkd["ward_code"]).to_numpy()
    for i, code in enumerate(written):
        cands = () if current[i] else candidates_of(code)
        if len(cands) == 1:
            out[i] = cands[0]
        elif len(cands) > 1:
            found = [c for c in cands if keys[i] and (c, keys[i]) in homes]
            out[i] = found[0] if len(found) == 1 else min(cands)
            status[i] = "resolved" if len(found) == 1 else "flagged"
    return out, status


def oracle(tables: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """The truth's links less what cannot be known (see the module docstring), and counts."""
    out = {k: v.copy() for k, v in tables.items()}
    pop = _usable(tables["population"]).drop_duplicates("person_id")
    people = person_keys(pop)
    ins, mg, hk = (_usable(tables[r]) for r in ("insured", "managers", "household_businesses"))
    legacy = pd.concat([ins["person_id"], mg["person_id"], hk["owner_person_id"]])
    legacy_count = legacy[legacy.str.len() == 9].value_counts()
    orgs = pd.concat([_usable(tables["enterprises"]), _usable(tables["cooperatives"])]).drop_duplicates("tax_code")
    org_ward = orgs.set_index("tax_code")["ward_code"]
    shapes = {
        "insured": (ins, ("person_id", "full_name", "date_of_birth", "sex"), ins["ward_code"], "address"),
        "managers": (mg, ("person_id", "full_name", "date_of_birth", "sex"),
                     mg["org_tax_code"].map(org_ward).fillna(""), None),
        "household_businesses": (hk, ("owner_person_id", "owner_full_name", "owner_date_of_birth", None),
                                 hk["ward_code"], "address"),
    }
    counts = {}
    for register, (frame, cols, place, address) in shapes.items():
        rec = record_keys(frame.reset_index(drop=True), *cols, place=place.reset_index(drop=True), address=address)
        stuck = stuck_records(rec, people, legacy_count)
        explained = explained_records(rec, people)
        ids = np.where(stuck, "", np.where(rec["true_id"] == "", explained, rec["true_id"]))
        out[register].loc[frame.index, "_person_id"] = ids
        counts[f"{register}_stuck"] = int(stuck.sum())
        counts[f"{register}_outsiders_taken_for_residents"] = int((explained != "").sum())
    ward, status = _resolve_splits(hk, pop)
    out["household_businesses"].loc[hk.index, "_ward"] = ward
    wrong = ward != hk["_ward"].to_numpy()
    for kind in ("resolved", "flagged"):
        counts[f"household_businesses_split_{kind}"] = int((status == kind).sum())
        counts[f"household_businesses_split_{kind}_wrong"] = int(((status == kind) & wrong).sum())
    units = _usable(tables["employers"])
    stuck = stuck_units(units, orgs)
    out["employers"].loc[units.index, "_tax_code"] = np.where(stuck, "", units["_tax_code"].to_numpy())
    counts["employers_stuck"] = int(stuck.sum())
    if "labour" in tables:
        lb = _usable(tables["labour"])
        rec = record_keys(lb.reset_index(drop=True), "person_id", "full_name", "date_of_birth", "sex",
                          place=lb["ward_code"].reset_index(drop=True), address=None)
        stuck = stuck_records(rec, people, legacy_count)
        explained = explained_records(rec, people)
        out["labour"].loc[lb.index, "_person_id"] = np.where(stuck, "", np.where(rec["true_id"] == "", explained,
                                                                                 rec["true_id"]))
        counts["labour_stuck"] = int(stuck.sum())
        counts["labour_outsiders_taken_for_residents"] = int((explained != "").sum())
        named = pd.DataFrame({"tax_code": lb["employer_tax_code"], "name": lb["employer_name"],
                              "ward_code": lb["ward_code"], "address": "", "_tax_code": lb["_tax_code"]})
        lost = stuck_units(named, orgs)
        out["labour"].loc[lb.index, "_tax_code"] = np.where(lost, "", lb["_tax_code"].to_numpy())
        counts["labour_employers_stuck"] = int(lost.sum())
    return out, counts


def score(found: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Per group: expected, ceiling precision, recall and F1 on the full key."""
    rows = []
    for group in GROUPS:
        got = set(map(tuple, found.loc[found["group"] == group, KEY].to_numpy()))
        want = set(map(tuple, truth.loc[truth["group"] == group, KEY].to_numpy()))
        if group == "uninsured_employee" and not got and not want:  # a world without labour
            continue
        hit = len(got & want)
        p = hit / len(got) if got else 1.0
        r = hit / len(want) if want else 1.0
        rows.append({"group": group, "expected": len(want), "precision": p, "recall": r,
                     "f1": 2 * p * r / (p + r) if p + r else 0.0})
    return pd.DataFrame(rows)


def ceiling(world: Path, as_of: date | None = None) -> tuple[pd.DataFrame, dict[str, int]]:
    """The ceiling table of one world, and how many records and units are stuck."""
    if as_of is None:
        summary = json.loads((world / "truth" / "summary.json").read_text(encoding="utf-8"))
        as_of = date.fromisoformat(summary["arguments"]["as_of"])
    tables = load(world)
    ideal, counts = oracle(tables)
    truth = pd.read_csv(world / "truth" / "prospects.csv", **READ)
    return score(expected_prospects(ideal, as_of), truth), counts


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("world", type=Path)
    p.add_argument("--as-of", type=date.fromisoformat, default=None, help="default: truth/summary.json's")
    a = p.parse_args(argv)
    table, counts = ceiling(a.world, a.as_of)
    print(table.rename(columns={"precision": "ceiling_precision", "recall": "ceiling_recall", "f1": "ceiling_f1"})
          .to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"macro F1 ceiling {table['f1'].mean():.4f}")
    print(" ".join(f"{k}={v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
