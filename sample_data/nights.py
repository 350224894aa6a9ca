"""Evolving worlds: night k of a world is night k-1 with a week (or ``--step-days``) of events.

    python -m sample_data.nights --persons 20000 --seed 7 --noise hard --as-of 2026-07-01 \\
        --nights 5 --step-days 7 --out DIR

writes ``DIR/night_0 ... DIR/night_{K-1}``, each a folder as ``sample_data.generator`` writes one
(registers and ``truth/``); ``night_0`` is byte for byte what the generator writes for the same
arguments. Between nights, on the persisting world (people, organisations, managers, household
businesses, the insured roll), seeded by (seed, night):

- ``birth``: a child is born to a mother of 20-40 and joins her household (no HI card yet);
- ``death``: a resident dies between the two as-of dates (their active SI records are closed);
- ``move``: a household moves to another populated commune (mostly in the same province);
- ``new_hi`` / ``new_si``: a resident without a valid HI card gets one (an HI-only record), one
  without active SI joins voluntary SI (with a card);
- ``lapsed_hi`` / ``ended_si``: a valid card is not renewed (valid to the day before tonight), an
  active SI record is closed;
- ``new_org`` / ``dissolved_org``: a new enterprise (no unit yet, one director) is registered, an
  active enterprise or cooperative is dissolved;
- ``new_hkd`` / ``closed_hkd``: a household business opens at its owner's home, one closes.

Then the registers are re-rendered with a fresh noise seed (every record typed again, other typos,
other bad rows) at tonight's as-of, and two more truth files are written for nights after the first:

- ``truth/events.csv``  event, person_id, tax_code, business_id  (the subjects of tonight's events)
- ``truth/changes.csv`` change, cause, group, ward_code, person_id, tax_code, business_id

``changes.csv`` compares ``truth/prospects.csv`` with the night before's per (group, key, commune),
as covgap's ``changes.csv`` does: ``new`` listed tonight, not the night before; ``resolved`` no
longer listed while its subject is still there (alive in the population, organisation or business
still active, resident in the same commune) and now covered as its group needs; ``gone`` no
longer listed for any other reason. ``cause`` is the subject's first event tonight, or ``as_of``
when it had none (a card that ran out at a month end, a birthday, a death dated ahead).

Independent of ``pipelines`` and ``matching`` like the generator.
"""

from __future__ import annotations

import argparse
import warnings
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from sample_data.addresses import home_addresses
from sample_data.generator import NOISE_LEVELS, WorldState, noise_draw, render, world_state, write_world
from sample_data.names import assemble, draw_middle_given
from sample_data.orgs import tax_codes
from sample_data.people import CHILD, DIL, HEAD, ROLES, WIFE, unique_ints
from sample_data.truth import PROSPECT_COLUMNS, expected_prospects, person_flags
from sample_data.util import date_str, month_end, to_day, zfill

__all__ = ["EVENTS", "NightRates", "evolve", "generate_nights", "night_seed", "truth_changes", "main"]

EVENTS = ("birth", "death", "move", "new_hi", "new_si", "lapsed_hi", "ended_si", "new_org", "dissolved_org",
          "new_hkd", "closed_hkd")
EVENT_COLUMNS = ["event", "person_id", "tax_code", "business_id"]
CHANGE_COLUMNS = ["change", "cause", *PROSPECT_COLUMNS]
_KEY = ["group", "ward_code", "person_id", "tax_code", "business_id"]
_PERSON_COVER = {"hi_prospect": "hi_covered", "voluntary_si_prospect": "active_si",
                 "uninsured_manager": "active_compulsory", "uninsured_household_owner": "active_compulsory",
                 "uninsured_employee": "active_compulsory"}


@dataclass(frozen=True)
class NightRates:
    """Share of the eligible subjects an event befalls between two nights. Far above a real week's
    (a commune sees a birth a week, not one per thousand people) so that five nights show every kind."""

    birth: float = 0.02  # of women 20-40 in a household
    death: float = 0.002  # of living residents, weighted by age
    move: float = 0.003  # of resident households
    new_hi: float = 0.02  # of living residents without a valid card
    new_si: float = 0.01  # of working-age residents without active SI
    lapsed_hi: float = 0.005  # of valid cards
    ended_si: float = 0.005  # of active SI records
    new_org: float = 0.01  # of enterprises
    dissolved_org: float = 0.005  # of active enterprises and cooperatives
    new_hkd: float = 0.01  # of household businesses
    closed_hkd: float = 0.005  # of active household businesses


def night_seed(seed: int, night: int) -> int:
    """The seed of night ``night``'s events and noise (night 0: the world's own seed)."""
    return seed if night == 0 else seed + 1_000_003 * night


def _rng(seed: int, night: int) -> np.random.Generator:
    return np.random.default_rng([seed, 7919, night])


def _pick(rng: np.random.Generator, candidates: np.ndarray, rate: float | np.ndarray) -> np.ndarray:
    """The candidates an event befalls (each with probability ``rate``)."""
    return candidates[rng.random(len(candidates)) < rate]


def _living(people: pd.DataFrame, as_of: date) -> np.ndarray:
    death = people["death"].to_numpy()
    return people["resident"].to_numpy() & ~(~np.isnat(death) & (death <= to_day(as_of)))


def _events(kind: str, **keys: np.ndarray) -> pd.DataFrame:
    n = len(next(iter(keys.values())))
    return pd.DataFrame({"event": kind, **{c: keys.get(c, np.full(n, "", dtype=object)) for c in EVENT_COLUMNS[1:]}})


def _births(rng: np.random.Generator, state: WorldState, rate: float, since: date, as_of: date
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """New children (rows appended to ``people``) of mothers of 20-40 living with their household."""
    p = state.people
    role = p["role"].to_numpy()
    age = p["age"].to_numpy()
    mothers = np.flatnonzero(_living(p, since) & ~p["male"].to_numpy() & (age >= 20) & (age <= 40)
                             & np.isin(role, [HEAD, WIFE, DIL]))
    mum = _pick(rng, mothers, rate)
    kids = p.iloc[mum].copy()
    n = len(kids)
    male = rng.random(n) < 0.51
    days = max((as_of - since).days, 1)
    dob = to_day(as_of) - rng.integers(0, days, n).astype("timedelta64[D]")
    year = dob.astype("datetime64[Y]").astype(int) + 1970
    heads = p[p["role"] == HEAD].drop_duplicates("hh").set_index("hh")["surname"]
    head_surname = heads.reindex(kids["hh"].to_numpy()).to_numpy()
    kids["surname"] = np.where(pd.isna(head_surname), kids["surname"].to_numpy(), head_surname).astype(np.int64)
    kids["middle"], kids["given"] = draw_middle_given(rng, male, year)
    kids["full_name"] = assemble(kids["surname"].to_numpy(), male, kids["middle"].to_numpy(), kids["given"].to_numpy())
    kids["male"], kids["sex"] = male, np.where(male, "M", "F")
    kids["dob"], kids["date_of_birth"] = dob, date_str(dob)
    kids["age"] = (to_day(as_of) - dob).astype(int) / 365.25
    kids["death"], kids["death_date"] = np.datetime64("NaT", "D"), ""
    kids["role"] = np.where(np.isin(role[mum], [HEAD, WIFE]), CHILD, 7)  # a daughter-in-law's: grandchild
    kids["relation_to_head"] = ROLES[kids["role"].to_numpy()]
    kids["edge"], kids["namesake_of"], kids["phone"], kids["legacy_id"] = False, -1, "", ""
    ppp = state.geo.ward_old_province[kids["ward_i"].to_numpy()]
    base = ppp * 1_000_000_000 + (2 + (~male).astype(int)) * 100_000_000 + (year % 100) * 1_000_000
    kids["pid_int"] = unique_ints(rng, base.astype(np.int64), 0, 1_000_000, taken=p["pid_int"].to_numpy())
    kids["person_id"] = zfill(kids["pid_int"].to_numpy(), 12)
    with warnings.catch_warnings():  # pandas warns of how it types the newborns' all-NaT death column; it
        warnings.simplefilter("ignore", FutureWarning)  # keeps people's datetime dtype, which is what we want
        warnings.simplefilter("ignore", DeprecationWarning)
        people = pd.concat([p, kids], ignore_index=True)
    return people, _events("birth", person_id=kids["person_id"].to_numpy())


def _deaths(rng: np.random.Generator, people: pd.DataFrame, rec: pd.DataFrame, rate: float, since: date,
            as_of: date) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Deaths between the two dates, the old more likely; the roll closes the dead's active records."""
    alive = np.flatnonzero(_living(people, as_of) & people["death"].isna().to_numpy())
    weight = np.exp(0.06 * (people["age"].to_numpy()[alive] - 60))
    dead = _pick(rng, alive, np.clip(rate * weight, 0, 0.5))
    days = max((as_of - since).days, 1)
    when = to_day(since) + rng.integers(1, days + 1, len(dead)).astype("timedelta64[D]")
    people = people.copy()
    death = people["death"].to_numpy().copy()
    death[dead] = when
    people["death"] = death
    people["death_date"] = date_str(death)
    rec = rec.copy()
    closing = rec["owner"].isin(dead).to_numpy() & (rec["si_status"] == "active").to_numpy()
    rec.loc[closing, "si_status"] = "closed"
    return people, rec, _events("death", person_id=people["person_id"].to_numpy()[dead])


def _moves(rng: np.random.Generator, state: WorldState, people: pd.DataFrame, rate: float, as_of: date
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Whole households move to another populated commune (four in five within their province)."""
    geo = state.geo
    living = _living(people, as_of)
    households = np.unique(people["hh"].to_numpy()[living])
    moving = _pick(rng, households, rate)
    populated = np.unique(people.loc[people["resident"], "ward_i"].to_numpy())
    old = people.drop_duplicates("hh").set_index("hh")["ward_i"].reindex(moving).to_numpy()
    same_prov = [populated[(geo.ward_province[populated] == geo.ward_province[w]) & (populated != w)] for w in old]
    anywhere = populated[rng.integers(0, len(populated), len(moving))]
    new = np.array([c[rng.integers(0, len(c))] if len(c) and rng.random() < 0.8 else a
                    for c, a in zip(same_prov, anywhere, strict=True)], dtype=np.int64)
    keep = new != old
    moving, new = moving[keep], new[keep]
    people = people.copy()
    hh = people["hh"].to_numpy()
    rows = np.isin(hh, moving)
    to = pd.Series(new, index=moving)
    address = pd.Series(home_addresses(rng, geo.ward_kind[new], geo.ward_province[new]), index=moving)
    people.loc[rows, "ward_i"] = to.reindex(hh[rows]).to_numpy()
    people.loc[rows, "address"] = address.reindex(hh[rows]).to_numpy()
    wi = people["ward_i"].to_numpy()
    people["ward"], people["province"] = geo.ward_codes[wi], geo.ward_province[wi]
    return people, _events("move", person_id=people["person_id"].to_numpy()[rows & living])


def _new_records(rng: np.random.Generator, people: pd.DataFrame, rec: pd.DataFrame, owners: np.ndarray,
                 si_type: str, as_of: date) -> pd.DataFrame:
    """HI-only (``si_type`` "") or voluntary SI records, active, with a card for a year."""
    n = len(owners)
    prefix = (people["province"].to_numpy()[owners] % 100).astype(np.int64) * 100_000_000
    taken = rec["si_code"].astype(np.int64).to_numpy()
    valid_to = month_end((to_day(as_of).astype("datetime64[M]") + np.timedelta64(12, "M")).astype("datetime64[D]"))
    return pd.DataFrame({"si_code": zfill(unique_ints(rng, prefix, 0, 100_000_000, taken=taken), 10),
                         "owner": owners, "si_type": si_type, "si_status": "active" if si_type else "",
                         "employer_unit_code": "", "hi_valid_to": date_str(np.full(n, valid_to)),
                         "pensioner": "", "unit": -1})


def _coverage(rng: np.random.Generator, people: pd.DataFrame, rec: pd.DataFrame, rates: NightRates, as_of: date
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """New cards and voluntary SI; cards not renewed and SI records closed."""
    today = as_of.isoformat()
    owner = rec["owner"].to_numpy()
    valid = rec["hi_valid_to"].to_numpy() >= today
    active = rec["si_status"].to_numpy() == "active"
    living = _living(people, as_of)
    has_card = np.zeros(len(people), bool)
    has_card[owner[valid]] = True
    has_si = np.zeros(len(people), bool)
    has_si[owner[active]] = True
    age = people["age"].to_numpy()
    ids = people["person_id"].to_numpy()
    lapse = _pick(rng, np.flatnonzero(valid & living[owner]), rates.lapsed_hi)
    end = _pick(rng, np.flatnonzero(active & living[owner]), rates.ended_si)
    rec = rec.copy()
    rec.loc[lapse, "hi_valid_to"] = (as_of - timedelta(days=1)).isoformat()
    rec.loc[end, "si_status"] = "closed"
    hi = _pick(rng, np.flatnonzero(living & ~has_card), rates.new_hi)
    si = _pick(rng, np.flatnonzero(living & ~has_si & (age >= 18) & (age < 60) & ~np.isin(np.arange(len(people)), hi)),
               rates.new_si)
    new = [_new_records(rng, people, rec, hi, "", as_of)]
    new.append(_new_records(rng, people, pd.concat([rec, new[0]]), si, "voluntary", as_of))
    rec = pd.concat([rec, *new], ignore_index=True).sort_values("si_code", kind="stable").reset_index(drop=True)
    events = [_events("new_hi", person_id=ids[hi]), _events("new_si", person_id=ids[si]),
              _events("lapsed_hi", person_id=ids[owner[lapse]]), _events("ended_si", person_id=ids[owner[end]])]
    return rec, pd.concat(events, ignore_index=True)


def _organisations(rng: np.random.Generator, state: WorldState, people: pd.DataFrame, rates: NightRates,
                   since: date, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """New enterprises (copies of a random one's legal form and commune, a new code, registered
    tonight, no unit, one director) and dissolutions of active enterprises and cooperatives."""
    orgs, managers = state.orgs.copy(), state.managers
    main = (orgs["kind"] != "branch").to_numpy()
    dissolved = _pick(rng, np.flatnonzero(main & (orgs["status"] == "active").to_numpy()), rates.dissolved_org)
    orgs.loc[dissolved, "status"] = "dissolved"
    ents = np.flatnonzero((orgs["kind"] == "ent").to_numpy())
    n = int(rng.binomial(len(ents), rates.new_org))
    born = orgs.iloc[ents[rng.integers(0, len(ents), n)]].copy()
    codes = tax_codes(rng, born["province"].to_numpy(), orgs["tax_int"].to_numpy() // 10)
    born["tax_int"], born["tax_code"] = codes, zfill(codes, 10)
    born["status"], born["parent"] = "active", -1
    born["name"] = born["name"].to_numpy() + " " + zfill(codes % 1000, 3)
    born["registered_on"] = date_str(np.full(n, to_day(since) + np.timedelta64(1, "D")))
    born["emp_int"] = born["size"].to_numpy()
    born["employees"] = born["size"].astype(str).to_numpy()
    born.index = np.arange(len(orgs), len(orgs) + n)
    orgs = pd.concat([orgs, born])
    living = _living(people, as_of)
    age = people["age"].to_numpy()
    pool = np.flatnonzero(living & (age >= 25) & (age < 60))
    director = pool[rng.integers(0, len(pool), n)]
    roles = np.where(born["legal_form"].to_numpy() == "CP", "Tổng giám đốc",
                     np.where(born["legal_form"].to_numpy() == "DNTN", "Chủ doanh nghiệp", "Giám đốc"))
    managers = pd.concat([managers, pd.DataFrame({"org": born.index.to_numpy(), "role": roles, "order": 0,
                                                  "person": director,
                                                  "org_tax_code": born["tax_code"].to_numpy()})], ignore_index=True)
    events = [_events("new_org", tax_code=born["tax_code"].to_numpy()),
              _events("dissolved_org", tax_code=orgs["tax_code"].to_numpy()[dissolved])]
    return orgs, managers, pd.concat(events, ignore_index=True)


def _businesses(rng: np.random.Generator, state: WorldState, people: pd.DataFrame, rates: NightRates,
                night: int, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Household businesses opening at their owner's home (declaring tax) and closing."""
    hkd = state.hkd.copy()
    closed = _pick(rng, np.flatnonzero((hkd["status"] == "active").to_numpy()), rates.closed_hkd)
    hkd.loc[closed, "status"] = "closed"
    age = people["age"].to_numpy()
    pool = np.flatnonzero(_living(people, as_of) & (age >= 20) & (age <= 60))
    n = int(rng.binomial(len(hkd), rates.new_hkd))
    owner = pool[rng.integers(0, len(pool), n)]
    ward_i = people["ward_i"].to_numpy()[owner]
    province = state.geo.ward_province[ward_i]
    serial = night * 100_000 + np.arange(n)  # series G: the first night's businesses use A-F only
    given = np.array([s.rsplit(" ", 1)[-1] for s in people["full_name"].to_numpy()[owner]], dtype=object)
    new = pd.DataFrame({"owner": owner, "ward_i": ward_i, "ward": state.geo.ward_codes[ward_i], "province": province,
                        "business_id": zfill(province, 2) + "G8" + zfill(serial, 6),
                        "business_name": "Cửa hàng tạp hóa " + given, "tax_method": "declaration",
                        "status": "active", "address": people["address"].to_numpy()[owner], "at_home": True,
                        "employees": ""})
    hkd = pd.concat([hkd, new], ignore_index=True)
    events = [_events("new_hkd", business_id=new["business_id"].to_numpy()),
              _events("closed_hkd", business_id=hkd["business_id"].to_numpy()[closed])]
    return hkd, pd.concat(events, ignore_index=True)


def evolve(state: WorldState, seed: int, night: int, since: date, as_of: date, rates: NightRates
           ) -> tuple[WorldState, pd.DataFrame]:
    """Night ``night`` of the world (as of ``as_of``) from the night before (as of ``since``), and
    its events (event, person_id, tax_code, business_id)."""
    rng = _rng(seed, night)
    people, births = _births(rng, state, rates.birth, since, as_of)
    people, rec, deaths = _deaths(rng, people, state.rec, rates.death, since, as_of)
    people, moves = _moves(rng, state, people, rates.move, as_of)
    people["age"] = (to_day(as_of) - people["dob"].to_numpy().astype("datetime64[D]")).astype(int) / 365.25
    rec, cover = _coverage(rng, people, rec, rates, as_of)
    orgs, managers, org_events = _organisations(rng, state, people, rates, since, as_of)
    hkd, hkd_events = _businesses(rng, state, people, rates, night, as_of)
    events = pd.concat([births, deaths, moves, cover, org_events, hkd_events], ignore_index=True)
    return replace(state, people=people, rec=rec, orgs=orgs, managers=managers, hkd=hkd), events


def _subject(frame: pd.DataFrame) -> pd.Series:
    """Whom a prospect (or event) is about: the person, else the organisation, else the business."""
    return frame["person_id"].where(frame["person_id"] != "",
                                    frame["tax_code"].where(frame["tax_code"] != "", frame["business_id"]))


def _resolved(gone: pd.DataFrame, tables: dict[str, pd.DataFrame], as_of: date) -> np.ndarray:
    """Of last night's prospects not listed tonight: which are still there and now covered."""
    flags = person_flags(tables, as_of)
    orgs = pd.concat([tables["enterprises"], tables["cooperatives"]])
    active_orgs = set(orgs.loc[(orgs["_reason"] == "") & (orgs["status"] == "active"), "tax_code"])
    hk = tables["household_businesses"]
    active_hkd = set(hk.loc[(hk["_reason"] == "") & (hk["status"] == "active")
                            & (hk["tax_method"] == "declaration"), "business_id"])
    out = np.zeros(len(gone), dtype=bool)
    for i, row in enumerate(gone.itertuples(index=False)):
        if row.tax_code and row.tax_code not in active_orgs or row.business_id and row.business_id not in active_hkd:
            continue
        if not row.person_id:  # an employer still active that left its group: it registered or declared
            out[i] = True
            continue
        if row.person_id not in flags.index:
            continue
        f = flags.loc[row.person_id]
        same_home = row.group not in ("hi_prospect", "voluntary_si_prospect") or f["ward_code"] == row.ward_code
        out[i] = bool(f["alive"] and same_home and f[_PERSON_COVER[row.group]])
    return out


def truth_changes(before: pd.DataFrame, after: pd.DataFrame, tables: dict[str, pd.DataFrame], events: pd.DataFrame,
                  as_of: date) -> pd.DataFrame:
    """new / resolved / gone between two nights' truth prospects (module docstring), with causes."""
    b, a = before[_KEY].astype(str), after[_KEY].astype(str)
    joined = b.merge(a, on=_KEY, how="outer", indicator=True)
    new = joined[joined["_merge"] == "right_only"][_KEY].reset_index(drop=True)
    left = joined[joined["_merge"] == "left_only"][_KEY].reset_index(drop=True)
    new.insert(0, "change", "new")
    left.insert(0, "change", np.where(_resolved(left, tables, as_of), "resolved", "gone"))
    out = pd.concat([new, left], ignore_index=True)
    first = events.assign(subject=_subject(events)).drop_duplicates("subject").set_index("subject")["event"]
    out.insert(1, "cause", _subject(out).map(first).fillna("as_of").to_numpy())
    return out[CHANGE_COLUMNS].sort_values(CHANGE_COLUMNS, kind="stable").reset_index(drop=True)


def generate_nights(out_dir: Path, persons: int, seed: int, noise: str, as_of: date, nights: int,
                    step_days: int = 7, noise_seed: int | None = None, rates: NightRates | None = None) -> list[Path]:
    """Write nights 0..nights-1 of one world into ``out_dir/night_K``; returns the folders."""
    rates = rates or NightRates()
    draw = noise_draw(noise, seed, noise_seed)
    state = world_state(persons, seed, draw, as_of)
    arguments: dict[str, object] = {"persons": persons, "seed": seed, "noise": draw.profile,
                                    "noise_seed": draw.noise_seed, "as_of": as_of.isoformat()}
    folders, before, day = [], None, as_of
    for night in range(nights):
        extra: dict[str, pd.DataFrame] = {}
        if night:
            since, day = day, day + timedelta(days=step_days)
            state, events = evolve(state, seed, night, since, day, rates)
        tables = render(state, night_seed(seed, night), day)
        prospects = expected_prospects(tables, day)
        if night:
            extra = {"events": events[EVENT_COLUMNS],
                     "changes": truth_changes(before, prospects, tables, events, day)}
            arguments = arguments | {"as_of": day.isoformat(), "night": night, "step_days": step_days}
        folder = Path(out_dir) / f"night_{night}"
        write_world(folder, tables, draw, day, arguments, extra)
        folders.append(folder)
        before = prospects
    return folders


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(prog="python -m sample_data.nights", description=__doc__.split("\n")[0])
    p.add_argument("--persons", type=int, required=True, help="number of residents")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--noise", choices=NOISE_LEVELS, default="normal", help="noise profile")
    p.add_argument("--noise-seed", type=int, default=None, help="seed of the draw of the profile's rates")
    p.add_argument("--as-of", type=date.fromisoformat, required=True, help="night 0's reference date")
    p.add_argument("--nights", type=int, default=5, help="how many nights (night 0 included)")
    p.add_argument("--step-days", type=int, default=7, help="days between two nights")
    p.add_argument("--out", type=Path, required=True, help="output folder (night_0, night_1, ... inside)")
    a = p.parse_args(argv)
    generate_nights(a.out, a.persons, a.seed, a.noise, a.as_of, a.nights, a.step_days, a.noise_seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
