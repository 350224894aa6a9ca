"""Small vectorised helpers shared by the generator modules."""

from __future__ import annotations

from datetime import date

import numpy as np

__all__ = ["zfill", "date_str", "to_day", "month_end", "rng_for", "STREETS", "choose", "sample_in_groups",
           "rank_in_group", "replace_some"]

# One child generator per named component, so adding draws to one part of the world does not
# shift every other part (and the files stay stable when one module changes).
_COMPONENTS = [
    "geo", "households", "names", "dates", "ids", "deaths", "address", "orgs", "units",
    "managers", "hkd", "workers", "insured", "noise_insured", "noise_managers", "noise_hkd",
    "noise_employers", "badrows", "namesakes", "edge", "public", "noise_population",
    "labour", "badrows_labour",  # appended: the others keep their streams
]


def rng_for(seed: int, component: str) -> np.random.Generator:
    """Independent, reproducible random stream for one component of the world."""
    return np.random.default_rng([seed, _COMPONENTS.index(component)])


def zfill(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as zero-padded decimal strings (object array), without a loop.

    >>> zfill(np.array([7, 12345]), 5).tolist()
    ['00007', '12345']
    """
    v = np.asarray(values, dtype=np.int64).copy()
    digits = np.empty((len(v), width), dtype=np.uint8)
    for pos in range(width - 1, -1, -1):
        digits[:, pos] = v % 10
        v //= 10
    digits += 48
    return np.ascontiguousarray(digits).view(f"S{width}").ravel().astype(f"U{width}").astype(object)


def date_str(days: np.ndarray) -> np.ndarray:
    """datetime64[D] as 'YYYY-MM-DD' (object array); NaT becomes ''."""
    s = np.datetime_as_string(np.asarray(days, dtype="datetime64[D]"), unit="D").astype(object)
    s[s == "NaT"] = ""
    return s


def to_day(d: date) -> np.datetime64:
    """A ``date`` as numpy day."""
    return np.datetime64(d.isoformat(), "D")


def month_end(days: np.ndarray) -> np.ndarray:
    """Last day of the month of each date (HI cards run to a month end)."""
    m = np.asarray(days, dtype="datetime64[D]").astype("datetime64[M]")
    return (m + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")


def choose(rng: np.random.Generator, options: list[str], size: int) -> np.ndarray:
    """Uniform choice of strings as an object array."""
    return np.array(options, dtype=object)[rng.integers(0, len(options), size)]


STREETS = [
    "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Quang Trung", "Lý Thường Kiệt",
    "Hùng Vương", "Điện Biên Phủ", "Nguyễn Huệ", "Lê Duẩn", "Phan Chu Trinh", "Bà Triệu",
    "Ngô Quyền", "Trần Phú", "Võ Thị Sáu", "Nguyễn Văn Cừ", "Lê Thánh Tông", "Phan Đình Phùng",
    "Nguyễn Du", "Cách Mạng Tháng Tám", "Hoàng Văn Thụ", "Lạc Long Quân", "Âu Cơ",
    "Nguyễn Thị Minh Khai", "Trường Chinh", "Lê Hồng Phong", "Tôn Đức Thắng", "Chu Văn An",
    "Yên Thế", "Bạch Đằng", "Độc Lập", "Thống Nhất", "Hòa Bình", "Tân Lập", "Giải Phóng",
]


def sample_in_groups(rng: np.random.Generator, pool: np.ndarray, pool_group: np.ndarray,
                     want_group: np.ndarray) -> np.ndarray:
    """For each wanted group, one random member of ``pool`` from that group (with replacement).

    Falls back to any pool member where the group is empty. Vectorised: the pool is sorted by
    group once and each draw is an offset into its group's slice.
    """
    if len(pool) == 0:
        return np.full(len(want_group), -1, dtype=np.int64)
    order = np.argsort(pool_group, kind="stable")
    sp, sg = pool[order], pool_group[order]
    start = np.searchsorted(sg, want_group, side="left")
    end = np.searchsorted(sg, want_group, side="right")
    size = end - start
    u = rng.random(len(want_group))
    pick = np.where(size > 0, start + (u * np.maximum(size, 1)).astype(np.int64),
                    (u * len(sp)).astype(np.int64))
    return sp[np.minimum(pick, len(sp) - 1)]


def rank_in_group(group: np.ndarray) -> np.ndarray:
    """0-based position of each element among the elements of its group, in array order."""
    order = np.argsort(group, kind="stable")
    g = group[order]
    first = np.r_[True, g[1:] != g[:-1]]
    starts = np.flatnonzero(first)
    run = np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    ranks = np.empty(len(group), dtype=np.int64)
    ranks[order] = np.arange(len(g)) - run
    return ranks


def replace_some(rng: np.random.Generator, person: np.ndarray, pool: np.ndarray, rate: float) -> np.ndarray:
    """About ``rate`` of ``person`` replaced by random members of ``pool`` (people outside the
    extract, for managers and owners)."""
    out = rng.random(len(person)) < rate
    if len(pool) == 0 or not out.any():
        return person
    person = person.copy()
    person[out] = pool[rng.integers(0, len(pool), int(out.sum()))]
    return person
