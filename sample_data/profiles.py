"""Noise profiles: named *ranges* of every noise rate, from which a concrete world draws its rates.

A profile never fixes a rate. It gives, per register and per kind of noise, a range (low, high);
``draw(profile, noise_seed)`` picks each rate from its range with a seeded generator, uniformly,
or log-uniformly where the range spans a factor of three or more (small rates: a range 0.2 %-2 %
should give 0.3 % as often as 1.5 %). So no two worlds share a noise mix, and a model that
learns one world's constants does not learn the registers.

Kinds are defined in ``sample_data.noise.Rates`` (what each one does) and ``APPLIES`` (where
it applies). ``stale_*`` kinds are not rates but factors (see ``noise.conditional``): how many
times more often a stale record carries that noise than a fresh one.

>>> d = draw(PROFILES["hard"], 3)
>>> lo, hi = ranges(PROFILES["hard"], "insured")["moved"]
>>> lo <= d.registers["insured"].moved <= hi
True
>>> draw(PROFILES["none"], 3).registers["insured"].id_missing
0.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

import numpy as np

from sample_data.noise import Rates

__all__ = ["Profile", "Draw", "PROFILES", "NOISE_PROFILES", "APPLIES", "WORLD_KINDS", "ranges", "draw", "profile_named"]

Range = tuple[float, float]

_ID = ("id_missing", "id_legacy", "id_mistyped", "id_household")
_DOB = ("dob_partial", "dob_placeholder", "dob_year", "dob_year_typo")
_NAME = ("name_fold", "name_fold_partial", "name_upper", "name_space", "name_nfd", "name_eth",
         "name_drop_thi_van", "name_middle", "name_variant", "name_typo")
_STALE = ("stale", "stale_moved", "stale_id", "stale_dob", "stale_name", "stale_ward_old")
_WARD = ("ward_old", "ward_split")
_ADDR = ("addr_variant", "addr_fold", "addr_upper", "addr_suffix", "addr_no_number", "addr_missing")
_TAX = ("tax_missing", "tax_mistyped", "tax_no_suffix", "tax_no_dash", "tax_lost_zero")
_ORG = ("org_abbrev", "org_fold", "org_title", "org_typo", "org_branch_cn")

#: Which kinds apply to which register (everything else is 0 there and not written to noise.json).
APPLIES: dict[str, tuple[str, ...]] = {
    "population": ("dob_partial", "name_upper", "name_space", "name_nfd", "addr_variant", "addr_fold",
                   "addr_upper", "addr_no_number", "addr_missing"),
    "insured": ("non_resident", *_STALE, *_ID, *_DOB, "dob_swap", *_NAME, "sex_missing", "moved",
                "moved_other_province", "ward_missing", *_WARD, *_ADDR),
    "managers": ("non_resident", *_STALE, *_ID, "dob_missing", *_DOB, *_NAME, "sex_missing"),
    "household_businesses": ("non_resident", *_STALE, *_ID, "dob_missing", *_DOB, *_NAME, *_WARD, *_ADDR,
                             "hkd_shophouse"),
    "employers": (*_TAX, *_ORG, "ward_missing", *_WARD, *_ADDR),
}
REGISTERS = tuple(APPLIES)
#: World-level kinds (not per register).
WORLD_KINDS = ("namesake_commune", "namesake_province", "bad_rows")

# Register habits that hold whatever the profile: managers' IDs and dates are declared worse
# (filled in by the company, often from an old card), their names more often in capitals;
# household businesses more often leave the date out and keep old commune codes longer.
_SCALE: dict[str, dict[str, float]] = {
    "managers": {"id_missing": 1.6, "id_legacy": 1.6, "name_upper": 2.0, "dob_partial": 1.5},
    "household_businesses": {"dob_missing": 1.5, "ward_old": 1.5, "id_legacy": 0.5},
    "employers": {"ward_old": 1.5},
}


@dataclass(frozen=True)
class Profile:
    """Ranges of one named profile. ``base`` applies to every register where the kind applies
    (scaled by the register's habits); ``population`` and ``world`` are separate because the
    population register's own noise is far lower; ``overrides`` replace single ranges."""

    name: str
    summary: str
    base: dict[str, Range]
    population: dict[str, Range]
    world: dict[str, Range]
    # or "cities": Hà Nội (01) and Hồ Chí Minh City (79) only; "provinces": every province, even when small
    geography: str = "country"
    overrides: dict[str, dict[str, Range]] = field(default_factory=dict)

    def with_ranges(self, name: str | None = None, **kinds: Range) -> Profile:
        """The same profile with some ``base`` ranges replaced (for tests and experiments)."""
        return replace(self, name=name or self.name, base={**self.base, **kinds})


@dataclass(frozen=True)
class Draw:
    """The concrete rates of one world."""

    profile: str
    noise_seed: int
    geography: str
    registers: dict[str, Rates]
    world: dict[str, float]

    def as_json(self) -> dict:
        """Profile name, noise seed and every concrete rate (only the kinds that apply)."""
        regs = {r: {k: round(getattr(self.registers[r], k), 6) for k in APPLIES[r]} for r in REGISTERS}
        return {"profile": self.profile, "noise_seed": self.noise_seed, "geography": self.geography,
                "world": {k: round(v, 6) for k, v in self.world.items()}, "registers": regs}


def _clip(kind: str, lo: float, hi: float) -> Range:
    if kind.startswith("stale_"):
        return max(1.0, lo), max(1.0, hi)
    return min(max(lo, 0.0), 0.95), min(max(hi, 0.0), 0.95)


def ranges(profile: Profile, register: str) -> dict[str, Range]:
    """The range of every kind that applies to ``register`` under ``profile``."""
    scale = _SCALE.get(register, {})
    src = profile.population if register == "population" else profile.base
    out = {}
    for kind in APPLIES[register]:
        default = (1.0, 1.0) if kind.startswith("stale_") else (0.0, 0.0)
        lo, hi = src.get(kind, default)
        s = scale.get(kind, 1.0)
        out[kind] = _clip(kind, lo * s, hi * s)
    for kind, rng in profile.overrides.get(register, {}).items():
        out[kind] = _clip(kind, *rng)
    return out


def _one(rng: np.random.Generator, lo: float, hi: float) -> float:
    u = float(rng.random())  # always one draw per kind, so a narrow range does not shift the rest
    if hi <= lo:
        return lo
    if lo > 0 and hi / lo >= 3:
        return math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
    return lo + u * (hi - lo)


def draw(profile: Profile, noise_seed: int) -> Draw:
    """Concrete rates for one world: every kind drawn independently from its range."""
    rng = np.random.default_rng([noise_seed, 7919])
    world = {k: _one(rng, *profile.world.get(k, (0.0, 0.0))) for k in WORLD_KINDS}
    regs = {}
    for register in REGISTERS:
        values = {k: _one(rng, lo, hi) for k, (lo, hi) in ranges(profile, register).items()}
        regs[register] = Rates(**values)
    return Draw(profile=profile.name, noise_seed=noise_seed, geography=profile.geography, registers=regs,
                world=world)


# The profiles ---------------------------------------------------------------------------------

_NORMAL: dict[str, Range] = {
    "non_resident": (0.005, 0.03), "stale": (0.10, 0.30),
    "stale_moved": (1.5, 4.0), "stale_id": (1.5, 4.0), "stale_dob": (1.5, 4.0), "stale_name": (1.5, 4.0),
    "stale_ward_old": (1.5, 4.0),
    "id_missing": (0.03, 0.12), "id_legacy": (0.01, 0.06), "id_mistyped": (0.005, 0.03),
    "id_household": (0.0005, 0.004),
    "dob_missing": (0.02, 0.08), "dob_partial": (0.01, 0.06), "dob_placeholder": (0.003, 0.02),
    "dob_swap": (0.005, 0.03), "dob_year": (0.003, 0.02), "dob_year_typo": (0.001, 0.008),
    "name_fold": (0.03, 0.10), "name_fold_partial": (0.005, 0.03), "name_upper": (0.02, 0.08),
    "name_space": (0.005, 0.03), "name_nfd": (0.01, 0.05), "name_eth": (0.05, 0.20),
    "name_drop_thi_van": (0.02, 0.06), "name_middle": (0.003, 0.015), "name_variant": (0.05, 0.25),
    "name_typo": (0.005, 0.025), "sex_missing": (0.01, 0.05),
    "moved": (0.03, 0.10), "moved_other_province": (0.10, 0.30), "ward_missing": (0.005, 0.02),
    "ward_old": (0.03, 0.10), "ward_split": (0.05, 0.30),
    "addr_variant": (0.10, 0.30), "addr_fold": (0.02, 0.08), "addr_upper": (0.01, 0.05),
    "addr_suffix": (0.02, 0.10), "addr_no_number": (0.01, 0.05), "addr_missing": (0.01, 0.05),
    "hkd_shophouse": (0.6, 0.9),
    "tax_missing": (0.02, 0.08), "tax_mistyped": (0.01, 0.04), "tax_no_suffix": (0.05, 0.25),
    "tax_no_dash": (0.03, 0.15), "tax_lost_zero": (0.01, 0.05),
    "org_abbrev": (0.20, 0.40), "org_fold": (0.05, 0.15), "org_title": (0.02, 0.08),
    "org_typo": (0.005, 0.03), "org_branch_cn": (0.10, 0.40),
}
_NORMAL_POP: dict[str, Range] = {
    "dob_partial": (0.03, 0.07), "name_upper": (0.001, 0.01), "name_nfd": (0.002, 0.02),
    "name_space": (0.001, 0.005), "addr_variant": (0.02, 0.08), "addr_fold": (0.002, 0.01),
    "addr_upper": (0.001, 0.005), "addr_no_number": (0.001, 0.005), "addr_missing": (0.005, 0.02),
}
_NORMAL_WORLD: dict[str, Range] = {"namesake_commune": (0.005, 0.015), "namesake_province": (0.002, 0.01),
                                   "bad_rows": (0.0003, 0.001)}

_HARD: dict[str, Range] = {
    **_NORMAL,
    "non_resident": (0.01, 0.06), "stale": (0.15, 0.45),
    "stale_moved": (2.0, 6.0), "stale_id": (2.0, 6.0), "stale_dob": (2.0, 6.0), "stale_name": (2.0, 6.0),
    "stale_ward_old": (2.0, 6.0),
    "id_missing": (0.05, 0.35), "id_legacy": (0.03, 0.15), "id_mistyped": (0.01, 0.05),
    "id_household": (0.002, 0.015),
    "dob_missing": (0.04, 0.15), "dob_partial": (0.03, 0.25), "dob_placeholder": (0.01, 0.06),
    "dob_swap": (0.01, 0.06), "dob_year": (0.005, 0.04), "dob_year_typo": (0.002, 0.02),
    "name_fold": (0.06, 0.25), "name_fold_partial": (0.01, 0.08), "name_upper": (0.04, 0.20),
    "name_space": (0.01, 0.06), "name_nfd": (0.02, 0.10), "name_eth": (0.10, 0.40),
    "name_drop_thi_van": (0.04, 0.12), "name_middle": (0.005, 0.04), "name_variant": (0.10, 0.50),
    "name_typo": (0.01, 0.05), "sex_missing": (0.02, 0.10),
    "moved": (0.05, 0.25), "moved_other_province": (0.15, 0.45), "ward_missing": (0.01, 0.05),
    "ward_old": (0.05, 0.20), "ward_split": (0.10, 0.50),
    "addr_variant": (0.20, 0.50), "addr_fold": (0.05, 0.15), "addr_upper": (0.02, 0.10),
    "addr_suffix": (0.05, 0.20), "addr_no_number": (0.02, 0.10), "addr_missing": (0.02, 0.10),
    "hkd_shophouse": (0.5, 0.9),
    "tax_missing": (0.04, 0.15), "tax_mistyped": (0.02, 0.08), "tax_no_suffix": (0.10, 0.40),
    "tax_no_dash": (0.05, 0.25), "tax_lost_zero": (0.02, 0.10),
    "org_abbrev": (0.30, 0.60), "org_fold": (0.10, 0.30), "org_title": (0.04, 0.15),
    "org_typo": (0.01, 0.06), "org_branch_cn": (0.20, 0.60),
}
_HARD_POP: dict[str, Range] = {
    "dob_partial": (0.06, 0.14), "name_upper": (0.002, 0.02), "name_nfd": (0.005, 0.04),
    "name_space": (0.002, 0.01), "addr_variant": (0.05, 0.15), "addr_fold": (0.005, 0.02),
    "addr_upper": (0.002, 0.01), "addr_no_number": (0.002, 0.01), "addr_missing": (0.01, 0.04),
}
_HARD_WORLD: dict[str, Range] = {"namesake_commune": (0.015, 0.05), "namesake_province": (0.005, 0.03),
                                 "bad_rows": (0.0005, 0.003)}

_SHARES = {"moved_other_province": (0.0, 0.7), "ward_split": (0.0, 0.8), "hkd_shophouse": (0.3, 0.95)}


def _random(hard: dict[str, Range]) -> dict[str, Range]:
    """From almost clean (1/200 of hard's top) to very dirty (1.6 x hard's top), for every kind."""
    out: dict[str, Range] = {}
    for kind, (_, hi) in hard.items():
        if kind == "stale":
            out[kind] = (0.01, 0.6)
        elif kind.startswith("stale_"):
            out[kind] = (1.0, 8.0)
        else:
            out[kind] = _SHARES.get(kind, (hi / 200, hi * 1.6))
    return out


_NONE = Profile("none", "no noise at all", base={}, population={}, world={})

PROFILES: dict[str, Profile] = {
    "none": _NONE,
    "normal": Profile("normal", "moderate noise of every kind", _NORMAL, _NORMAL_POP, _NORMAL_WORLD),
    "hard": Profile("hard", "about two to four times normal, wide ranges", _HARD, _HARD_POP, _HARD_WORLD),
    "cities": Profile(
        "cities", "Hà Nội and Hồ Chí Minh City only: urban addresses, many old and split commune codes",
        {**_HARD, "moved": (0.08, 0.25), "moved_other_province": (0.05, 0.20), "ward_old": (0.15, 0.35),
         "ward_split": (0.40, 0.80), "addr_suffix": (0.08, 0.25), "addr_variant": (0.25, 0.55),
         "hkd_shophouse": (0.7, 0.95)},
        _HARD_POP, _HARD_WORLD, geography="cities"),
    "random": Profile("random", "every kind independently from almost clean to very dirty",
                      _random(_HARD), _random(_HARD_POP), _random(_HARD_WORLD)),
    "holdout_movers": Profile(
        "holdout_movers", "holdout: movers within and across provinces, stale records, partial dates, old codes",
        {**_HARD, "id_missing": (0.03, 0.12), "id_legacy": (0.02, 0.08), "moved": (0.15, 0.40),
         "moved_other_province": (0.30, 0.60), "stale": (0.30, 0.60), "stale_moved": (3.0, 8.0),
         "stale_id": (3.0, 8.0), "stale_dob": (3.0, 8.0), "stale_name": (3.0, 8.0), "stale_ward_old": (3.0, 8.0),
         "dob_partial": (0.10, 0.30), "dob_placeholder": (0.03, 0.10), "ward_old": (0.10, 0.30),
         "ward_split": (0.30, 0.70), "addr_suffix": (0.10, 0.30)},
        _HARD_POP, _NORMAL_WORLD),
    "holdout_sparse_ids": Profile(
        "holdout_sparse_ids", "holdout: most records without a usable ID, or with a legacy or wrong one",
        {**_NORMAL, "id_missing": (0.32, 0.55), "id_legacy": (0.15, 0.30), "id_mistyped": (0.03, 0.08),
         "id_household": (0.005, 0.02), "tax_missing": (0.15, 0.35), "tax_mistyped": (0.04, 0.10),
         "tax_no_suffix": (0.20, 0.50), "tax_lost_zero": (0.05, 0.15)},
        _NORMAL_POP, _NORMAL_WORLD),
}
NOISE_PROFILES = tuple(PROFILES)


def profile_named(name: str) -> Profile:
    """The profile called ``name`` (ValueError naming the choices otherwise)."""
    if name not in PROFILES:
        raise ValueError(f"noise must be one of {NOISE_PROFILES}, not {name!r}")
    return PROFILES[name]


def _check() -> None:
    """Every kind named in a profile exists in Rates (a typo would silently be a 0 rate)."""
    known = {f.name for f in fields(Rates)}
    for p in PROFILES.values():
        for table in (p.base, p.population, *p.overrides.values()):
            unknown = set(table) - known
            assert not unknown, (p.name, unknown)
        assert set(p.world) <= set(WORLD_KINDS), p.name


_check()
