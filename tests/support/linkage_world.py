"""A small seeded toy world for linkage tests and benchmarks: population, noisy records, truth.

Not the project's world generator (``sample_data.generator``): a self-contained stand-in that
exercises exactly the noise the linkage must survive (missing / legacy / mistyped IDs, dropped
diacritics, NFD, upper case, old tone placement, dropped Thị/Văn, typos, year-only and swapped
dates, ±1 year, moved residents, missing sex) and the namesakes it must not merge. Records go
through the same helpers the pipeline's standardise stage uses, so they have the contract's shape.

>>> world = toy_world(200, seed=1)
>>> sorted(world) == ["population", "records", "truth"]
True
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from matching.dates import parse_partial_dates
from matching.ids import normalise_person_ids
from matching.text import fold_series, name_case_series

__all__ = ["NOISE", "toy_world"]

_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
             "Ngô", "Dương", "Lý", "Tôn Nữ", "Âu Dương"]
_SURNAME_P = np.array([38, 11, 9.5, 7.1, 3, 2, 4.5, 2, 2, 2.1, 2, 1.4, 1.3, 1.3, 1, 0.5, 0.1, 0.1])
_MIDDLE_M = ["Văn", "Văn", "Văn", "Hữu", "Đức", "Công", "Quang", "Minh", "Đình", "Quốc", "Xuân", "Thanh"]
_MIDDLE_F = ["Thị", "Thị", "Thị", "Thị", "Ngọc", "Thanh", "Kim", "Thu", "Minh", "Xuân"]
_GIVEN_M = ["Hùng", "Tuấn", "Dũng", "Nam", "Hải", "Minh", "Long", "Huy", "Sơn", "Thành", "Quý", "Sỹ", "Hoà",
            "Đức", "Khoa", "Phúc", "Trung", "Bình", "Cường", "Thắng", "Toàn", "Vinh", "Lộc", "Tâm", "Khánh"]
_GIVEN_F = ["Anh", "Linh", "Hương", "Trang", "Hà", "Ngọc", "Thảo", "Huyền", "Phương", "Lan", "Thuỷ", "Hoà",
            "Mai", "Yến", "Nhung", "Hằng", "Loan", "Vy", "Trâm", "Diệp", "Quyên", "Oanh", "Thoả", "Mỹ"]
_OLD_TONE = {"hòa": "hoà", "thủy": "thuỷ", "thỏa": "thoả", "khỏe": "khoẻ", "Hòa": "Hoà", "Thủy": "Thuỷ"}

NOISE = {
    "none": {"id_missing": 0, "id_legacy": 0, "id_typo": 0, "no_diacritics": 0, "upper": 0, "nfd": 0, "drop_middle": 0,
                 "typo": 0, "year_only": 0, "swapped": 0, "year_off": 0, "moved": 0, "sex_missing": 0, "foreign": 0},
    "normal": {"id_missing": 0.15, "id_legacy": 0.05, "id_typo": 0.02, "no_diacritics": 0.2, "upper": 0.2, "nfd": 0.05,
                   "drop_middle": 0.05, "typo": 0.03, "year_only": 0.05, "swapped": 0.03, "year_off": 0.01,
                   "moved": 0.08, "sex_missing": 0.05, "foreign": 0.01},
    "hard": {"id_missing": 0.3, "id_legacy": 0.1, "id_typo": 0.05, "no_diacritics": 0.4, "upper": 0.3, "nfd": 0.15,
                 "drop_middle": 0.15, "typo": 0.08, "year_only": 0.12, "swapped": 0.06, "year_off": 0.03, "moved": 0.15,
                 "sex_missing": 0.1, "foreign": 0.02},
}


def _population(n: int, rng: np.random.Generator, n_wards: int) -> pd.DataFrame:
    sex = np.where(rng.random(n) < 0.5, "M", "F")
    male = sex == "M"
    surname = rng.choice(_SURNAMES, n, p=_SURNAME_P / _SURNAME_P.sum())
    middle = np.where(male, rng.choice(_MIDDLE_M, n), rng.choice(_MIDDLE_F, n))
    # Zipf-like given names: the first few are far more common.
    given_m = rng.choice(_GIVEN_M, n, p=_zipf(len(_GIVEN_M)))
    given_f = rng.choice(_GIVEN_F, n, p=_zipf(len(_GIVEN_F)))
    names = pd.Series(surname) + " " + pd.Series(middle) + " " + pd.Series(np.where(male, given_m, given_f))
    year = rng.integers(1950, 2015, n)
    month = rng.integers(1, 13, n)
    day = rng.integers(1, 29, n)
    year_only = rng.random(n) < 0.03
    dob = pd.Series([f"{y:04d}-{m:02d}-{d:02d}" for y, m, d in zip(year, month, day, strict=True)])
    dob = dob.where(~year_only, pd.Series(year).astype(str))
    century = (year >= 2000).astype(int) * 2 + (~male).astype(int)
    province = rng.integers(1, 35, n)
    serial = rng.integers(0, 10**6, n)  # duplicates of the whole ID are dropped below
    ids = [f"{p * 2 + 1:03d}{c}{y % 100:02d}{s:06d}"
           for p, c, y, s in zip(province, century, year, serial, strict=True)]
    ward = rng.integers(0, n_wards, n)
    frame = pd.DataFrame({"person_id": ids, "full_name_raw": names, "dob_raw": dob, "sex": sex,
                          "ward_code": [f"{w:05d}" for w in ward],
                          "household_id": [f"HH{i // 4:07d}" for i in range(n)]})
    return frame.drop_duplicates("person_id").reset_index(drop=True)


def _zipf(k: int) -> np.ndarray:
    p = 1.0 / np.arange(1, k + 1) ** 0.9
    return p / p.sum()


def _province(ward: pd.Series) -> pd.Series:
    return (pd.to_numeric(ward, errors="coerce") % 34).astype("Int64").astype("string").str.zfill(2)


def _typo(text: str, rng: np.random.Generator) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    i = letters[int(rng.integers(len(letters)))]
    if rng.random() < 0.5 and i + 1 < len(text) and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + "aeiounhtg"[int(rng.integers(9))] + text[i + 1:]


def _id_typo(pid: str, rng: np.random.Generator) -> str:
    i = int(rng.integers(6, 11))
    if rng.random() < 0.5:
        return pid[:i] + pid[i + 1] + pid[i] + pid[i + 2:] if pid[i] != pid[i + 1] else pid[:i] + "9" + pid[i + 1:]
    return pid[:i] + str((int(pid[i]) + 1 + int(rng.integers(8))) % 10) + pid[i + 1:]


def _noisy_name(name: str, r: np.ndarray, noise: dict, rng: np.random.Generator) -> str:
    if r[0] < noise["drop_middle"]:
        words = name.split(" ")
        name = " ".join(w for w in words if w not in ("Thị", "Văn")) if len(words) > 2 else name
    for new, old in _OLD_TONE.items():
        if r[1] < 0.5:
            name = name.replace(new, old)
    if r[2] < noise["typo"]:
        name = _typo(name, rng)
    if r[3] < noise["no_diacritics"]:
        name = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
        name = name.replace("Đ", "D").replace("đ", "d")
    if r[4] < noise["upper"]:
        name = name.upper()
    if r[5] < noise["nfd"]:
        name = unicodedata.normalize("NFD", name)
    return name


def toy_world(n_persons: int, *, seed: int = 0, noise: str = "hard", insured_share: float = 0.6,
              n_wards: int | None = None) -> dict[str, pd.DataFrame]:
    """``population`` and ``records`` in the linkage's input shape, and ``truth`` (record_key, person_id)."""
    rng = np.random.default_rng(seed)
    level = NOISE[noise]
    wards = n_wards or max(10, n_persons // 300)
    everyone = _population(int(n_persons * 1.05), rng, wards)
    # The last 5 % live outside the extract (emigrants, foreigners): their records match nobody.
    people, outsiders = everyone.iloc[:n_persons], everyone.iloc[n_persons:]
    population = _standard(people["person_id"], people["full_name_raw"], people["dob_raw"], people["sex"],
                           people["ward_code"])
    population["household_id"] = people["household_id"].to_numpy()
    population = population.drop(columns=["legacy_id", "person_id_raw", "dob_swapped"])

    chosen = people[rng.random(len(people)) < insured_share]
    dup = chosen[rng.random(len(chosen)) < 0.05]  # a second record for some
    foreign = outsiders[rng.random(len(outsiders)) < level["foreign"] * 20]
    owners = pd.concat([chosen, dup, foreign], ignore_index=True)
    is_foreign = np.r_[np.zeros(len(chosen) + len(dup), bool), np.ones(len(foreign), bool)]
    m = len(owners)
    r = rng.random((m, 20))
    ids = owners["person_id"].to_numpy(dtype=object).copy()
    for i in np.flatnonzero(r[:, 0] < level["id_typo"]):
        ids[i] = _id_typo(ids[i], rng)
    legacy = np.array([f"{x:09d}" for x in rng.integers(0, 10**9, m)], dtype=object)
    ids = np.where(r[:, 1] < level["id_legacy"], legacy, ids)
    ids = np.where(r[:, 2] < level["id_missing"], None, ids)
    names = [_noisy_name(n, r[i, 3:9], level, rng) for i, n in enumerate(owners["full_name_raw"])]
    dob = owners["dob_raw"].to_numpy(dtype=object).copy()
    for i in range(m):
        parts = dob[i].split("-")
        if len(parts) == 3:
            if r[i, 9] < level["swapped"] and int(parts[2]) <= 12:
                dob[i] = f"{parts[0]}-{parts[2]}-{parts[1]}"
            elif r[i, 10] < level["year_only"]:
                dob[i] = parts[0]
        if r[i, 11] < level["year_off"]:
            dob[i] = str(int(dob[i][:4]) + (1 if r[i, 12] < 0.5 else -1)) + dob[i][4:]
    ward = owners["ward_code"].to_numpy(dtype=object).copy()
    moved = r[:, 13] < level["moved"]
    ward[moved] = [f"{w:05d}" for w in rng.integers(0, wards, int(moved.sum()))]
    sex = np.where(r[:, 14] < level["sex_missing"], None, owners["sex"].to_numpy(dtype=object))
    truth_pid = owners["person_id"].to_numpy(dtype=object)
    truth_pid = np.where(is_foreign, None, truth_pid)
    records = _standard(pd.Series(ids), pd.Series(names), pd.Series(dob), pd.Series(sex), pd.Series(ward))
    records.insert(0, "record_key", [f"insured:{i + 1}" for i in range(m)])
    truth = pd.DataFrame({"record_key": records["record_key"], "person_id": truth_pid}).dropna()
    return {"population": population, "records": records, "truth": truth.reset_index(drop=True)}


def _standard(ids: pd.Series, names: pd.Series, dob: pd.Series, sex: pd.Series, ward: pd.Series) -> pd.DataFrame:
    out = normalise_person_ids(ids.reset_index(drop=True))
    out["full_name"] = name_case_series(names.reset_index(drop=True))
    out["name_folded"] = fold_series(names.reset_index(drop=True))
    parsed = parse_partial_dates(dob.reset_index(drop=True), allow_swap=True)
    out["dob_year"], out["dob_month"], out["dob_day"] = parsed["year"], parsed["month"], parsed["day"]
    out["dob_swapped"] = parsed["status"] == "swapped"
    out["sex"] = sex.reset_index(drop=True).astype(object)
    out["ward_code"] = ward.reset_index(drop=True).astype(object)
    out["province_code"] = _province(out["ward_code"]).astype(object)
    return out
