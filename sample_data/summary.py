"""The noise part of ``truth/summary.json``: the main drawn rates and what the world realised."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sample_data.profiles import Draw
from sample_data.reference import load_geography

__all__ = ["realised", "HEADLINE"]

#: The drawn rates worth a glance (every rate is in noise.json).
HEADLINE = {
    "insured": ("non_resident", "stale", "moved", "moved_other_province", "id_missing", "id_legacy",
                "id_mistyped", "id_household", "dob_partial", "name_fold", "ward_old", "ward_split"),
    "managers": ("non_resident", "id_missing", "id_legacy"),
    "household_businesses": ("non_resident", "ward_old", "ward_split", "hkd_shophouse"),
    "employers": ("tax_missing", "ward_old"),
}


def _share(mask: np.ndarray) -> float:
    return round(float(mask.mean()), 5) if len(mask) else 0.0


def _codes(frame: pd.DataFrame) -> dict[str, int]:
    """How many rows carry an old commune code, and how many of those a split one."""
    geo = load_geography()
    codes = pd.to_numeric(frame["ward_code"].replace("", np.nan), errors="coerce").fillna(-1).astype(int)
    old = ~codes.isin(geo.current_set) & (codes >= 0)
    split = codes.isin(list(geo.split_targets))
    return {"old": int(old.sum()), "split": int(split.sum())}


def realised(rates: Draw, tables: dict[str, pd.DataFrame]) -> dict:
    """Profile, noise seed, headline drawn rates and realised shares (usable rows only)."""
    use = {r: t[t["_reason"] == ""] for r, t in tables.items()}
    ins = use["insured"]
    pid = ins["person_id"]
    moved = ins["_moved"].to_numpy(dtype=bool)
    no_id = (pid == "").to_numpy()
    out = {
        "profile": rates.profile, "noise_seed": rates.noise_seed, "geography": rates.geography,
        "drawn": {f"{r}.{k}": round(getattr(rates.registers[r], k), 5) for r, ks in HEADLINE.items() for k in ks},
        "realised": {
            "insured_non_resident": _share((ins["_person_id"] == "").to_numpy()),
            "insured_stale": _share(ins["_stale"].to_numpy(dtype=bool)),
            "insured_moved": _share(moved),
            "insured_without_id": _share(no_id),
            "insured_legacy_id": _share((pid.str.len() == 9).to_numpy()),
            "insured_partial_dob": _share((ins["date_of_birth"].str.len() < 10).to_numpy()),
            "insured_without_id_if_moved": _share(no_id[moved]),
            "insured_without_id_if_not_moved": _share(no_id[~moved]),
            "managers_non_resident": _share((use["managers"]["_person_id"] == "").to_numpy()),
            "household_owners_non_resident": _share((use["household_businesses"]["_person_id"] == "").to_numpy()),
            "commune_codes": {r: _codes(use[r]) for r in ("insured", "household_businesses", "employers")},
        },
        "world": {k: round(v, 5) for k, v in rates.world.items()},
    }
    return out
