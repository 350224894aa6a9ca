"""Compare a run's prospects.csv with a generated world's truth: precision, recall, F1 per group.

    python benchmarks/compare_truth.py WORLD_DIR OUTPUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from contract.groups import ALL_GROUPS, PROSPECT_KEY

KEY = list(PROSPECT_KEY)


def scores(world: Path, output: Path) -> pd.DataFrame:
    """Per group: found, expected, precision, recall, F1 on the full key (ward included); a group
    neither found nor expected (``uninsured_employee`` without ``labour``) is left out."""
    found = pd.read_csv(output / "prospects.csv", dtype=str, keep_default_na=False)[KEY]
    truth = pd.read_csv(world / "truth" / "prospects.csv", dtype=str, keep_default_na=False)[KEY]
    rows = []
    for group in ALL_GROUPS:
        got = set(map(tuple, found[found["group"] == group].to_numpy()))
        want = set(map(tuple, truth[truth["group"] == group].to_numpy()))
        if group == "uninsured_employee" and not got and not want:
            continue
        hit = len(got & want)
        precision = hit / len(got) if got else 1.0
        recall = hit / len(want) if want else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append({"group": group, "found": len(got), "expected": len(want), "precision": precision,
                     "recall": recall, "f1": f1})
    return pd.DataFrame(rows)


def main() -> None:
    table = scores(Path(sys.argv[1]), Path(sys.argv[2]))
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"macro F1 {table['f1'].mean():.4f}")


if __name__ == "__main__":
    main()
