"""Issue 14's benchmark: five nights on an evolving world, officers' outcomes fed back.

    python -m benchmarks.nights [--persons 200000] [--nights 5] [--seed 3] [--noise hard] [--keep DIR]

Generates nights 0..K-1 of one world (``sample_data.nights``: a week of events between nights, every
register re-typed with fresh noise) and runs ``covgap run`` on each into one output folder and store,
as-of advancing a week. After each night, officers fill in the real workbooks of a share of the
communes (openpyxl, on the Kết quả and Ngày columns): a row the truth lists is đã tham gia / hẹn lại /
không gặp, one it does not is đã có BHXH nơi khác (the person is covered) or không đúng người, and
an officer errs on a few rows; the files go to the feedback folder for the next night. A control run
on the same nights reads no outcomes. Prints:

- **stability**: of the truth's (group, key) listed by covgap on two consecutive nights, the share
  whose ``prospect_id`` is the same both nights;
- **changes** per night: covgap's new / resolved / gone counts, the truth's (``truth/changes.csv``,
  defined in ``sample_data.nights``), and how many of covgap's rows are the same change in the truth;
- **outcome precision**: per commune and group with decisive outcomes, the audit's measured precision
  and Wilson interval against the true precision of the listings the officers were given;
- **list precision** per night (share of ``prospects.csv`` the truth lists), with outcomes and without.

Each figure is followed by its target and whether it was met.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from contract.outcomes import OUTCOME_LABELS
from pipelines.officer_sheets import sheet_of
from sample_data.nights import generate_nights

KEY = ["group", "person_id", "tax_code", "business_id"]
COMMUNE_SHARE = 0.3  # of the communes whose officers fill in their workbook each night
ROW_SHARE = 0.5  # of a filled workbook's rows not reported before
MISTAKE = 0.03  # an officer writes the opposite of the truth
HEADER_ROW = 4  # the workbooks' column titles (rows below: one prospect each)


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def keys(frame: pd.DataFrame, ward: bool = False) -> pd.Series:
    """One text per prospect: group and key (and commune)."""
    cols = KEY + (["ward_code"] if ward else [])
    return frame[cols].astype(str).agg("|".join, axis=1)


def outcome_for(true: bool, covered: bool, rng: np.random.Generator) -> str:
    """What an officer writes: the truth, except for ``MISTAKE`` of the rows."""
    if rng.random() < MISTAKE:
        true = not true
    if true:
        return ["joined", "appointment", "not_met"][int(rng.choice(3, p=[0.4, 0.3, 0.3]))]
    return "insured_elsewhere" if covered else "wrong_person"


def stability(before: pd.DataFrame, after: pd.DataFrame, truth_before: pd.DataFrame,
              truth_after: pd.DataFrame) -> tuple[int, int]:
    """(same ID, listed both nights) among the truth's prospects persisting from one night to the next."""
    persisting = set(keys(truth_before)) & set(keys(truth_after))
    b = before.assign(k=keys(before)).drop_duplicates("k").set_index("k")["prospect_id"]
    a = after.assign(k=keys(after)).drop_duplicates("k").set_index("k")["prospect_id"]
    both = sorted(persisting & set(b.index) & set(a.index))
    return int((b[both].to_numpy() == a[both].to_numpy()).sum()), len(both)


def change_agreement(covgap: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Per change kind: covgap's count, the truth's, and covgap's rows that are the same truth change."""
    cg = covgap.assign(k=keys(covgap, ward=True))
    tr = truth.assign(k=keys(truth, ward=True))
    rows = []
    for kind in ("new", "resolved", "gone"):
        mine, theirs = set(cg.loc[cg["change"] == kind, "k"]), set(tr.loc[tr["change"] == kind, "k"])
        rows.append({"change": kind, "covgap": len(mine), "truth": len(theirs), "agree": len(mine & theirs)})
    rows.append({"change": "suppressed", "covgap": int((cg["change"] == "suppressed").sum()), "truth": 0, "agree": 0})
    return pd.DataFrame(rows)


def list_precision(listed: pd.DataFrame, truth: pd.DataFrame) -> float:
    return float(keys(listed).isin(set(keys(truth))).mean()) if len(listed) else float("nan")


def covered_people(world: Path, as_of: dt.date) -> set[str]:
    """Residents with a valid card or active SI tonight (an officer finds them insured elsewhere)."""
    ins = read_csv(world / "insured.csv")
    links = read_csv(world / "truth" / "insured_links.csv")
    ins["owner"] = links["person_id"].to_numpy()
    on = (ins["hi_valid_to"] >= as_of.isoformat()) | (ins["si_status"] == "active")
    return set(ins.loc[on & (ins["owner"] != ""), "owner"])


def fill_workbooks(out: Path, listed: pd.DataFrame, truth: pd.DataFrame, covered: set[str], reported: set[str],
                   as_of: dt.date, target: Path, rng: np.random.Generator) -> pd.DataFrame:
    """Officers of a share of the communes fill in their workbook; returns the filled rows
    (prospect_id, group, ward_code, true, outcome). ``reported`` (prospect IDs) grows."""
    true_keys = set(keys(truth))
    listed = listed.assign(true=keys(listed).isin(true_keys))
    by_id = listed.drop_duplicates("prospect_id").set_index("prospect_id")
    wards = sorted(set(zip(listed["province_code"], listed["ward_code"], strict=True)))
    chosen = [w for w in wards if rng.random() < COMMUNE_SHARE]
    filled = []
    for province, ward in chosen:
        book = openpyxl.load_workbook(out / "by_ward" / province / f"{ward}.xlsx")
        for group in sorted(set(listed.loc[listed["ward_code"] == ward, "group"])):
            sheet = book[sheet_of(group).name]
            header = [c.value for c in sheet[HEADER_ROW]]
            pid_col, outcome_col, date_col = (header.index(n) + 1 for n in ("Mã đối tượng", "Kết quả", "Ngày"))
            for row in range(HEADER_ROW + 1, sheet.max_row + 1):
                pid = sheet.cell(row, pid_col).value
                if pid not in by_id.index or pid in reported or rng.random() >= ROW_SHARE:
                    continue
                info = by_id.loc[pid]
                code = outcome_for(bool(info["true"]), info["person_id"] in covered, rng)
                sheet.cell(row, outcome_col, OUTCOME_LABELS[code])
                sheet.cell(row, date_col, dt.datetime.combine(as_of + dt.timedelta(days=int(rng.integers(1, 6))),
                                                              dt.time()))
                reported.add(pid)
                filled.append({"prospect_id": pid, "group": group, "ward_code": ward, "true": bool(info["true"]),
                               "outcome": code})
        target.mkdir(parents=True, exist_ok=True)
        book.save(target / f"{province}_{ward}.xlsx")
    return pd.DataFrame(filled, columns=["prospect_id", "group", "ward_code", "true", "outcome"])


def interval_agreement(audit: dict, offered: pd.DataFrame) -> pd.DataFrame:
    """Per commune and group with decisive outcomes: measured precision, interval, true precision of the
    listings offered to the officers (every row of the filled communes' lists, all nights)."""
    true = offered.groupby(["ward_code", "group"])["true"].mean()
    rows = []
    for cell in audit.get("by_commune_and_group", []):
        if not cell.get("decisive"):
            continue
        t = true.get((cell["ward_code"], cell["group"]))
        if t is None:
            continue
        rows.append({"ward_code": cell["ward_code"], "group": cell["group"], "decisive": cell["decisive"],
                     "measured": cell["precision"], "low": cell["precision_low"], "high": cell["precision_high"],
                     "true": float(t), "inside": cell["precision_low"] <= t <= cell["precision_high"],
                     "inside_as_reported": cell["precision_low"] <= as_reported(float(t)) <= cell["precision_high"]})
    return pd.DataFrame(rows, columns=["ward_code", "group", "decisive", "measured", "low", "high", "true", "inside",
                                       "inside_as_reported"])


def as_reported(precision: float) -> float:
    """The precision officers who err on ``MISTAKE`` of the rows would measure on a list of ``precision``."""
    return precision * (1 - MISTAKE) + (1 - precision) * MISTAKE


def covgap_run(world: Path, out: Path, as_of: dt.date, feedback: Path) -> float:
    """One night (its progress lines appended to ``out``'s log beside it); returns its wall time (s)."""
    started = time.perf_counter()
    with open(out.parent / f"{out.name}.log", "a", encoding="utf-8") as log:
        subprocess.run(["covgap", "run", "--input", str(world), "--output", str(out), "--as-of", as_of.isoformat(),
                        "--feedback", str(feedback)], check=True, env=os.environ | {"GX_ANALYTICS_ENABLED": "false"},
                       stdout=log, stderr=log)
    return time.perf_counter() - started


def _verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def run(root: Path, persons: int, nights: int, seed: int, noise: str, as_of: dt.date) -> None:
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    folders = generate_nights(root / "world", persons, seed, noise, as_of, nights)
    took = time.perf_counter() - started
    print(f"world: {persons} persons, {noise} noise, {nights} nights, generated in {took:.0f} s")
    days = [as_of + dt.timedelta(days=7 * k) for k in range(nights)]
    used, control = root / "with_outcomes", root / "control"
    reported: set[str] = set()
    offered, filled = [], []
    lists: dict[str, list[pd.DataFrame]] = {"used": [], "control": [], "changes": []}
    for k, (world, day) in enumerate(zip(folders, days, strict=True)):
        t_used = covgap_run(world, used, day, root / "feedback")
        t_ctrl = covgap_run(world, control, day, root / "no_feedback")
        truth = read_csv(world / "truth" / "prospects.csv")
        listed = read_csv(used / "prospects.csv")
        lists["used"].append(listed)
        lists["control"].append(read_csv(control / "prospects.csv"))
        lists["changes"].append(read_csv(control / "changes.csv"))  # only tonight's: keep each night's
        if k < nights - 1:  # the last night's workbooks would be read by no later night
            rows = fill_workbooks(used, listed, truth, covered_people(world, day), reported, day,
                                  root / "feedback" / f"night_{k}", rng)
            filled.append(rows)
            given = listed[listed["ward_code"].isin(set(rows["ward_code"]))]
            offered.append(given.assign(true=keys(given).isin(set(keys(truth)))))
        print(f"night {k} ({day}): covgap {t_used:.0f} s with outcomes, {t_ctrl:.0f} s control; "
              f"{len(listed)} listed, {len(filled[-1]) if k < nights - 1 else 0} rows filled by officers")
    report(folders, lists, filled, offered, used)


def report(folders: list[Path], lists: dict[str, list[pd.DataFrame]], filled: list[pd.DataFrame],
           offered: list[pd.DataFrame], used: Path) -> None:
    truths = [read_csv(f / "truth" / "prospects.csv") for f in folders]
    print("\n== prospect-ID stability (truth prospects persisting, listed by covgap both nights) ==")
    same = total = 0
    for k in range(1, len(folders)):
        s, n = stability(lists["control"][k - 1], lists["control"][k], truths[k - 1], truths[k])
        same, total = same + s, total + n
        print(f"night {k - 1}->{k}: {s}/{n} same ID")
    share = same / total if total else float("nan")
    print(f"overall {share:.4%} (target >= 99.9%: {_verdict(share >= 0.999)})")

    print("\n== changes (control run: no outcomes, so no suppression) vs the truth's changes ==")
    exact = True
    for k in range(1, len(folders)):
        table = change_agreement(lists["changes"][k], read_csv(folders[k] / "truth" / "changes.csv"))
        kinds = table[table["change"] != "suppressed"]
        exact &= bool(((kinds["covgap"] == kinds["truth"]) & (kinds["agree"] == kinds["truth"])).all())
        print(f"night {k}: " + "; ".join(f"{r.change} covgap {r.covgap} truth {r.truth} agree {r.agree}"
                                         for r in table.itertuples()))
    print(f"counts exact against the truth: {_verdict(exact)}")

    print("\n== outcome-measured precision per commune and group vs the true precision ==")
    audit = json.loads((used / "audit.json").read_text(encoding="utf-8")).get("outcomes") or {}
    cells = interval_agreement(audit, pd.concat(offered, ignore_index=True))
    rows = pd.concat(filled, ignore_index=True)
    mistakes = int((rows["true"] != rows["outcome"].isin(["joined", "appointment", "not_met"])).sum())
    print(f"{len(rows)} outcomes filled ({mistakes} officer mistakes); {len(cells)} commune-group cells with "
          f"decisive outcomes")
    inside = float(cells["inside"].mean()) if len(cells) else float("nan")
    reported = float(cells["inside_as_reported"].mean()) if len(cells) else float("nan")
    print(f"true precision inside the audit's Wilson 95% interval: {inside:.1%} of cells "
          f"(target >= 90%: {_verdict(inside >= 0.9)})")
    print(f"true precision as officers erring on {MISTAKE:.0%} of rows would report it, inside: {reported:.1%} "
          f"(the interval's own coverage; >= 90%: {_verdict(reported >= 0.9)})")

    print("\n== list precision per night (share of prospects.csv the truth lists) ==")
    never_lower, last = True, (0.0, 0.0)
    for k, truth in enumerate(truths):
        used_k, ctrl_k = lists["used"][k], lists["control"][k]
        last = list_precision(used_k, truth), list_precision(ctrl_k, truth)
        held = int(keys(ctrl_k).isin(set(keys(truth))).sum() - keys(used_k).isin(set(keys(truth))).sum())
        print(f"night {k}: with outcomes {last[0]:.4f} ({len(used_k)} listed), control {last[1]:.4f} "
              f"({len(ctrl_k)} listed); true prospects listed by the control only: {held}")
        never_lower &= k == 0 or last[0] >= last[1]
    wrong = set(rows.loc[~rows["true"] & rows["outcome"].isin(["wrong_person", "insured_elsewhere"]), "prospect_id"])
    still = [int(lists[run][-1]["prospect_id"].isin(wrong).sum()) for run in ("used", "control")]
    print(f"false listings officers reported wrong: {len(wrong)}; still listed on the last night: {still[0]} with "
          f"outcomes, {still[1]} in the control")
    print(f"precision with outcomes never below the control and higher on the last night: "
          f"{_verdict(never_lower and last[0] > last[1])}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.nights", description=__doc__.split("\n")[0])
    p.add_argument("--persons", type=int, default=200_000)
    p.add_argument("--nights", type=int, default=5)
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--noise", default="hard")
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 7, 1))
    p.add_argument("--keep", type=Path, default=None, help="keep the worlds and outputs in this folder")
    a = p.parse_args(argv)
    root = a.keep or Path(tempfile.mkdtemp(prefix="covgap-nights-"))
    try:
        run(root, a.persons, a.nights, a.seed, a.noise, a.as_of)
    finally:
        if a.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
