"""The synthetic-world generator: shape, determinism, valid IDs, noise profiles, consistent truth.

Small worlds only (1-3k persons), so the whole file runs in well under a minute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from stdnum.vn import mst
from vietnam_provinces import Ward
from vietnam_provinces._ward_conversion_2025 import OLD_TO_NEW

from sample_data.generator import generate
from sample_data.profiles import APPLIES, PROFILES, draw, ranges
from sample_data.reference import load_geography
from sample_data.rules import retirement_months, working_age
from tests.support.required import missing

AS_OF = date(2026, 7, 1)
REPO = Path(__file__).resolve().parents[3]

# Copied from contract.md on purpose (not imported from the generator), so a drift shows.
CONTRACT_COLUMNS = {
    "population": ["person_id", "full_name", "date_of_birth", "sex", "household_id", "relation_to_head",
                   "ward_code", "address", "phone", "death_date"],
    "enterprises": ["tax_code", "name", "legal_form", "status", "registered_on", "ward_code", "address",
                    "employees"],
    "cooperatives": ["tax_code", "name", "legal_form", "status", "registered_on", "ward_code", "address",
                     "employees", "members"],
    "managers": ["org_tax_code", "person_id", "full_name", "date_of_birth", "sex", "role"],
    "household_businesses": ["business_id", "owner_person_id", "owner_full_name", "owner_date_of_birth",
                             "business_name", "tax_method", "status", "ward_code", "address", "employees"],
    "insured": ["si_code", "person_id", "full_name", "date_of_birth", "sex", "ward_code", "address", "si_type",
                "si_status", "employer_unit_code", "hi_valid_to", "pensioner"],
    "employers": ["unit_code", "tax_code", "name", "ward_code", "address"],
}
CURRENT = {f"{int(w.code):05d}" for w in Ward.iter_all()}


def candidates(old_code: str) -> set[str]:
    """The current communes the official table maps an old code to."""
    return {f"{int(w.code):05d}" for w in OLD_TO_NEW[int(old_code)].new_wards}


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def usable(folder: Path, register: str) -> pd.DataFrame:
    """Rows of a register that the truth does not quarantine, with their 1-based row_number."""
    df = read(folder, register)
    df.insert(0, "row_number", range(1, len(df) + 1))
    q = read(folder / "truth", "quarantine")
    bad = set(q.loc[q["register"] == register, "row_number"].astype(int))
    return df[~df["row_number"].isin(bad)]


def by_row(folder: Path, truth_file: str) -> pd.DataFrame:
    """A truth links file indexed by the integer row_number."""
    df = read(folder / "truth", truth_file)
    return df.set_index(df["row_number"].astype(int))


@pytest.fixture(scope="module")
def normal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("normal")
    generate(out, 1500, 11, "normal", AS_OF)
    return out


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("none")
    generate(out, 800, 5, "none", AS_OF)
    return out


def test_columns_are_exactly_the_contracts(normal: Path) -> None:
    for register, cols in CONTRACT_COLUMNS.items():
        assert list(read(normal, register).columns) == cols, register


def test_same_seed_same_bytes_even_in_another_process(normal: Path, tmp_path: Path) -> None:
    """The CLI in a fresh interpreter (other hash seed) reproduces the in-process files."""
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-m", "sample_data.generator", "--persons", "1500", "--seed", "11",
                    "--noise", "normal", "--as-of", AS_OF.isoformat(), "--out", str(tmp_path)],
                   check=True, cwd=REPO, env=env)
    files = sorted(p.relative_to(normal) for p in normal.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    for f in files:
        assert (normal / f).read_bytes() == (tmp_path / f).read_bytes(), f


def test_another_seed_another_world(tmp_path: Path) -> None:
    generate(tmp_path / "a", 300, 1, "normal", AS_OF)
    generate(tmp_path / "b", 300, 2, "normal", AS_OF)
    assert (tmp_path / "a/population.csv").read_bytes() != (tmp_path / "b/population.csv").read_bytes()


def test_personal_ids_agree_with_sex_and_birth_year(normal: Path) -> None:
    pop = usable(normal, "population")
    ids = pop["person_id"]
    assert ids.str.fullmatch(r"\d{12}").all() and ids.is_unique
    year = pop["date_of_birth"].str.slice(0, 4).astype(int)
    century = ids.str.slice(3, 4).astype(int)
    assert (century % 2 == (pop["sex"] == "F").astype(int)).all()
    assert ((century // 2) == (year >= 2000).astype(int)).all()
    assert (ids.str.slice(4, 6).astype(int) == year % 100).all()
    assert (ids.str.slice(0, 3).astype(int).between(1, 96)).all()
    assert pop["ward_code"].isin(CURRENT).all()


def test_tax_codes_have_valid_check_digits(normal: Path) -> None:
    for register in ("enterprises", "cooperatives"):
        codes = usable(normal, register)["tax_code"]
        assert codes.str.fullmatch(r"\d{10}(-\d{3})?").all()
        assert all(mst.is_valid(c) for c in codes), register
    assert read(normal, "enterprises")["tax_code"].str.contains("-").any(), "some branches"


def test_household_structure_and_names(normal: Path) -> None:
    pop = usable(normal, "population")
    heads = pop[pop["relation_to_head"] == "Chủ hộ"]
    assert heads["household_id"].is_unique
    assert set(pop["household_id"]) == set(heads["household_id"])
    names = pop["full_name"].map(lambda s: unicodedata.normalize("NFC", s))
    assert (names.str.split().str.len() >= 3).all()
    share = names.str.lower().str.startswith("nguyễn ").mean()
    assert 0.28 < share < 0.48
    # the population's own typing noise is light: nearly every name is NFC, in title case
    assert (names == pop["full_name"]).mean() > 0.95 and (names.str.upper() != names).mean() > 0.95


def test_noise_none_means_exact_copies(clean: Path) -> None:
    pop = read(clean, "population").set_index("person_id")
    assert len(read(clean / "truth", "quarantine")) == 0
    ins = read(clean, "insured")
    links = read(clean / "truth", "insured_links")
    assert (ins["si_code"] == links["si_code"]).all()
    assert (ins["person_id"] == links["person_id"]).all()
    owner = pop.loc[ins["person_id"]]
    assert (ins["full_name"].to_numpy() == owner["full_name"].to_numpy()).all()
    assert (ins["date_of_birth"].to_numpy() == owner["date_of_birth"].to_numpy()).all()
    assert (ins["ward_code"].to_numpy() == owner["ward_code"].to_numpy()).all()
    assert (ins["address"].to_numpy() == owner["address"].to_numpy()).all()
    assert (ins["sex"].to_numpy() == owner["sex"].to_numpy()).all()
    assert pop["date_of_birth"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert (pop["full_name"] == pop["full_name"].map(lambda v: unicodedata.normalize("NFC", v))).all()
    for name in ("insured_links", "manager_links", "household_owner_links"):
        assert (read(clean / "truth", name)["person_id"] != "").all(), "every record is a resident's"
    noise = json.loads((clean / "truth" / "noise.json").read_text(encoding="utf-8"))
    assert noise["profile"] == "none" and all(v == 0 for v in noise["world"].values())
    for register, rates in noise["registers"].items():
        assert all(v == (1.0 if k.startswith("stale_") else 0.0) for k, v in rates.items()), register
    mg = read(clean, "managers")
    assert (mg["person_id"] == read(clean / "truth", "manager_links")["person_id"]).all()
    assert (mg["full_name"].to_numpy() == pop.loc[mg["person_id"], "full_name"].to_numpy()).all()
    assert (mg["date_of_birth"].to_numpy() == pop.loc[mg["person_id"], "date_of_birth"].to_numpy()).all()
    hk = read(clean, "household_businesses")
    hl = read(clean / "truth", "household_owner_links")
    assert (hk["owner_person_id"] == hl["person_id"]).all() and (hk["ward_code"] == hl["ward_code"]).all()
    assert (hk["owner_full_name"].to_numpy() == pop.loc[hk["owner_person_id"], "full_name"].to_numpy()).all()
    em = read(clean, "employers")
    el = read(clean / "truth", "employer_links")
    org = el["tax_code"] != ""
    assert (em.loc[org, "tax_code"] == el.loc[org, "tax_code"]).all()
    names = pd.concat([read(clean, "enterprises"), read(clean, "cooperatives")]).set_index("tax_code")["name"]
    assert (em.loc[org, "name"].to_numpy() == names.loc[el.loc[org, "tax_code"]].to_numpy()).all()
    assert em["ward_code"].isin(CURRENT).all()
    for register in CONTRACT_COLUMNS:
        keys = read(clean, register).iloc[:, 0]
        assert register == "managers" or keys.is_unique, register


def test_normal_noise_is_present_and_old_codes_resolve(normal: Path) -> None:
    ins = usable(normal, "insured")
    links = by_row(normal, "insured_links")
    truth = links.loc[ins["row_number"], "person_id"].to_numpy()
    assert 0.60 < (ins["person_id"].to_numpy() == truth).mean() < 0.99
    assert (ins["person_id"].str.len() == 9).any(), "legacy CMND numbers"
    assert (ins["person_id"] == "").any()
    hk = usable(normal, "household_businesses")
    hl = by_row(normal, "household_owner_links").loc[hk["row_number"]]
    old = hk["ward_code"].to_numpy() != hl["ward_code"].to_numpy()
    for code, current in zip(hk["ward_code"][old], hl["ward_code"][old], strict=True):
        assert code not in CURRENT and current in candidates(code)
    n_old = 0
    for register in ("insured", "employers", "household_businesses"):
        codes = usable(normal, register)["ward_code"]
        assert codes.map(lambda c: c == "" or c in CURRENT or int(c) in OLD_TO_NEW).all(), register
        n_old += int((~codes.isin(CURRENT) & (codes != "")).sum())
    assert n_old > 0, "some pre-July-2025 commune codes"


def test_quarantined_rows_really_break_the_contract(normal: Path) -> None:
    q = read(normal / "truth", "quarantine")
    assert set(q["register"]) == set(CONTRACT_COLUMNS)
    for register, key in (("population", "person_id"), ("insured", "si_code"), ("employers", "unit_code"),
                          ("household_businesses", "business_id"), ("enterprises", "tax_code")):
        df = read(normal, register)
        rows = q.loc[(q["register"] == register) & q["reason"].str.contains("later copy"), "row_number"].astype(int)
        assert len(rows)
        for r in rows:
            value = df.iloc[r - 1][key]
            assert value in set(df.iloc[: r - 1][key]), (register, r)
    pop = read(normal, "population")
    for r in q.loc[(q["register"] == "population") & (q["reason"] == "person_id: not 12 digits"), "row_number"]:
        assert len(pop.iloc[int(r) - 1]["person_id"]) != 12
    ins = read(normal, "insured")
    for r in q.loc[(q["register"] == "insured") & (q["reason"] == "date_of_birth: in the future"), "row_number"]:
        assert ins.iloc[int(r) - 1]["date_of_birth"] > AS_OF.isoformat()
    # usable insured dates are never in the future, even after noise
    dob = usable(normal, "insured")["date_of_birth"]
    assert (dob.str.slice(0, 4) <= str(AS_OF.year)).all()


def _records(folder: Path) -> pd.DataFrame:
    ins = usable(folder, "insured")
    links = by_row(folder, "insured_links")
    ins["owner"] = links.loc[ins["row_number"], "person_id"].to_numpy()
    return ins


@pytest.mark.parametrize("world", ["normal", "clean"])
def test_expected_prospects_are_consistent(world: str, request: pytest.FixtureRequest) -> None:
    folder: Path = request.getfixturevalue(world)
    pro = read(folder / "truth", "prospects")
    rec = _records(folder)
    pop = usable(folder, "population").set_index("person_id")
    groups = {g: pro[pro["group"] == g] for g in pro["group"].unique()}
    assert set(groups) <= {"unregistered_employer", "underdeclared_employer", "uninsured_manager",
                           "uninsured_household_owner", "voluntary_si_prospect", "hi_prospect"}
    assert world == "clean" or len(groups) == 6
    groups = {g: groups.get(g, pro[:0]) for g in ("unregistered_employer", "underdeclared_employer",
                                                  "uninsured_manager", "uninsured_household_owner",
                                                  "voluntary_si_prospect", "hi_prospect")}
    active_si = set(rec.loc[(rec["si_type"] != "") & (rec["si_status"] == "active"), "owner"])
    compulsory = set(rec.loc[(rec["si_type"] == "compulsory") & (rec["si_status"] == "active"), "owner"])
    pensioners = set(rec.loc[rec["pensioner"] == "yes", "owner"])
    covered = set(rec.loc[rec["hi_valid_to"] >= AS_OF.isoformat(), "owner"])
    vol = groups["voluntary_si_prospect"]["person_id"]
    assert not (set(vol) & active_si) and not (set(vol) & pensioners)
    assert not set(vol) & (set(groups["uninsured_manager"]["person_id"])
                           | set(groups["uninsured_household_owner"]["person_id"]))
    for g in ("uninsured_manager", "uninsured_household_owner"):
        assert not set(groups[g]["person_id"]) & (compulsory | pensioners)
    hi = groups["hi_prospect"]["person_id"]
    assert not set(hi) & covered
    # independently recomputed: alive residents with no HI cover are exactly the hi prospects
    death = pop["death_date"]
    alive = pop.index[(death == "") | (death > AS_OF.isoformat())]
    assert set(hi) == set(alive) - covered
    assert (pop.loc[hi, "ward_code"].to_numpy() == groups["hi_prospect"]["ward_code"].to_numpy()).all()
    # one row per key, current ward codes, sorted as the contract orders them
    for g, df in groups.items():
        key = {"uninsured_manager": ["tax_code", "person_id"],
               "uninsured_household_owner": ["business_id", "person_id"],
               "unregistered_employer": ["tax_code"], "underdeclared_employer": ["tax_code"]}.get(g, ["person_id"])
        assert not df.duplicated(key).any(), g
    assert pro["ward_code"].isin(CURRENT).all()
    # working age agrees with a direct month count
    ages = working_age(pop.loc[vol, "date_of_birth"], (pop.loc[vol, "sex"] == "M").to_numpy(), AS_OF)
    assert ages.all()


def test_retirement_boundaries() -> None:
    assert retirement_months(True, 2026) == 61 * 12 + 6
    assert retirement_months(False, 2026) == 57 * 12
    assert retirement_months(True, 2035) == 62 * 12 and retirement_months(False, 2040) == 60 * 12
    dob = pd.Series(["1965-01-01", "1965-01-02", "2011-07-01", "2011-07-02", "1969-07", "1969-08"])
    male = pd.Series([True, True, True, True, False, False]).to_numpy()
    assert working_age(dob, male, date(2026, 7, 1)).tolist() == [False, True, True, False, False, True]


def test_committed_small_sample_is_present_and_small() -> None:
    small = REPO / "sample_data" / "small"
    if not (small / "population.csv").exists():
        missing("the committed small sample (sample_data/small) is not there")
    size = sum(p.stat().st_size for p in small.rglob("*") if p.is_file())
    assert size < 2_000_000
    for register, cols in CONTRACT_COLUMNS.items():
        assert list(read(small, register).columns) == cols


# Noise profiles ---------------------------------------------------------------------------------

@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_profile_writes_the_contracts_columns(profile: str, tmp_path: Path) -> None:
    generate(tmp_path, 1000, 3, profile, AS_OF)
    for register, cols in CONTRACT_COLUMNS.items():
        assert list(read(tmp_path, register).columns) == cols, (profile, register)
    noise = json.loads((tmp_path / "truth" / "noise.json").read_text(encoding="utf-8"))
    assert noise["profile"] == profile and noise["noise_seed"] == 3
    summary = json.loads((tmp_path / "truth" / "summary.json").read_text(encoding="utf-8"))
    assert summary["arguments"]["noise"] == profile and summary["noise"]["profile"] == profile
    assert usable(tmp_path, "population")["ward_code"].isin(CURRENT).all()
    if PROFILES[profile].geography == "cities":
        assert set(usable(tmp_path, "population")["ward_code"].map(province_of)) == {"01", "79"}


def province_of(code: str) -> str:
    return f"{int(Ward.from_code(int(code)).province_code):02d}"


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_drawn_rates_lie_in_the_profiles_ranges_and_follow_the_noise_seed(profile: str) -> None:
    p = PROFILES[profile]
    a, b, c = draw(p, 1), draw(p, 1), draw(p, 2)
    assert a == b
    assert profile == "none" or a.registers != c.registers
    for seed in range(20):
        d = draw(p, seed)
        for register in APPLIES:
            for kind, (lo, hi) in ranges(p, register).items():
                assert lo <= getattr(d.registers[register], kind) <= hi, (register, kind)
        for kind, value in d.world.items():
            lo, hi = p.world.get(kind, (0.0, 0.0))
            assert lo <= value <= hi, kind


def test_ranges_are_wide() -> None:
    hard = ranges(PROFILES["hard"], "insured")
    assert hard["moved"] == (0.05, 0.25) and hard["id_missing"] == (0.05, 0.35)
    assert hard["dob_partial"] == (0.03, 0.25)
    rnd = ranges(PROFILES["random"], "insured")
    for kind, (lo, hi) in rnd.items():
        if not kind.startswith("stale_") and kind not in ("moved_other_province", "ward_split", "hkd_shophouse"):
            assert hi >= 50 * lo, kind  # from almost clean to very dirty


def test_noise_seed_changes_the_world_deterministically(tmp_path: Path) -> None:
    generate(tmp_path / "a", 1000, 4, "hard", AS_OF, noise_seed=99)
    generate(tmp_path / "b", 1000, 4, "hard", AS_OF, noise_seed=99)
    generate(tmp_path / "c", 1000, 4, "hard", AS_OF)
    for f in ("insured.csv", "truth/noise.json", "truth/prospects.csv"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    assert (tmp_path / "a/insured.csv").read_bytes() != (tmp_path / "c/insured.csv").read_bytes()
    noise = json.loads((tmp_path / "a/truth/noise.json").read_text(encoding="utf-8"))
    assert noise == json.loads(json.dumps(draw(PROFILES["hard"], 99).as_json()))
    assert noise["noise_seed"] == 99


@pytest.fixture(scope="module")
def strong(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A world with strongly correlated noise, many movers, household-member IDs and outsiders."""
    out = tmp_path_factory.mktemp("strong")
    profile = PROFILES["hard"].with_ranges(
        "strong", stale=(0.4, 0.4), stale_moved=(8.0, 8.0), stale_id=(8.0, 8.0), moved=(0.2, 0.2),
        id_missing=(0.15, 0.15), id_household=(0.05, 0.05), non_resident=(0.05, 0.05))
    generate(out, 3000, 21, profile, AS_OF)
    return out


def _insured_with_owner(folder: Path) -> pd.DataFrame:
    ins = _records(folder)
    pop = usable(folder, "population").set_index("person_id")
    ins = ins[ins["owner"] != ""]
    ins["home"] = pop.loc[ins["owner"], "ward_code"].to_numpy()
    ins["household"] = pop.loc[ins["owner"], "household_id"].to_numpy()
    return ins


def test_stale_records_are_moved_and_without_id_together(strong: Path) -> None:
    ins = _insured_with_owner(strong)
    current = ins["ward_code"].isin(CURRENT)
    moved = current & (ins["ward_code"] != ins["home"])
    stayed = current & (ins["ward_code"] == ins["home"])
    assert moved.mean() > 0.1
    no_id = ins["person_id"] == ""
    assert no_id[moved].mean() > 1.5 * no_id[stayed].mean(), (no_id[moved].mean(), no_id[stayed].mean())
    # a mover's record holds an address of the earlier home, not the current one
    pop = usable(strong, "population").set_index("person_id")
    same_address = ins["address"].to_numpy() == pop.loc[ins["owner"], "address"].to_numpy()
    assert same_address[moved.to_numpy()].mean() < 0.1 < same_address[stayed.to_numpy()].mean()


def test_household_member_ids_are_real_ids_of_the_same_household(strong: Path) -> None:
    ins = _insured_with_owner(strong)
    pop = usable(strong, "population").set_index("person_id")
    other = (ins["person_id"] != ins["owner"]) & ins["person_id"].isin(pop.index)
    assert other.sum() > 10
    assert (pop.loc[ins.loc[other, "person_id"], "household_id"].to_numpy()
            == ins.loc[other, "household"].to_numpy()).all()


def test_records_of_people_outside_the_extract_have_empty_truth(strong: Path) -> None:
    pop = set(usable(strong, "population")["person_id"])
    for register, links, col in (("insured", "insured_links", "person_id"), ("managers", "manager_links", "person_id"),
                                 ("household_businesses", "household_owner_links", "owner_person_id")):
        rows = usable(strong, register)
        truth = by_row(strong, links).loc[rows["row_number"], "person_id"].to_numpy()
        outside = truth == ""
        assert outside.any(), register
        assert not rows.loc[outside, col].isin(pop).any(), register  # their IDs are nobody's in the extract
        assert set(truth[~outside]) <= pop


@pytest.fixture(scope="module")
def cities(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cities")
    profile = PROFILES["cities"].with_ranges("cities_split", ward_old=(0.5, 0.5), ward_split=(0.9, 0.9))
    generate(out, 3000, 8, profile, AS_OF)
    return out


def test_split_codes_appear_and_the_truth_keeps_the_true_commune(cities: Path) -> None:
    split = {f"{c:05d}" for c in load_geography().split_targets}
    hk = usable(cities, "household_businesses")
    hl = by_row(cities, "household_owner_links").loc[hk["row_number"]]
    written = hk["ward_code"].to_numpy()
    is_split = np.isin(written, list(split))
    assert is_split.sum() >= 5
    for code, true in zip(written[is_split], hl["ward_code"].to_numpy()[is_split], strict=True):
        assert true in candidates(code) and len(candidates(code)) > 1
    assert hl["ward_code"].isin(CURRENT).all()
    pro = read(cities / "truth", "prospects")
    owners = pro[pro["group"] == "uninsured_household_owner"].set_index("business_id")["ward_code"]
    truth_ward = hl.set_index("business_id")["ward_code"]
    assert (owners == truth_ward.loc[owners.index]).all(), "listed under the true current commune"
    for register in ("insured", "employers"):
        assert usable(cities, register)["ward_code"].isin(split).any(), register


def test_split_coded_businesses_carry_a_real_address(cities: Path) -> None:
    """At home: the owner's; elsewhere mostly a resident household's of the true commune."""
    split = {f"{c:05d}" for c in load_geography().split_targets}
    pop = usable(cities, "population")
    hk = usable(cities, "household_businesses")
    hl = by_row(cities, "household_owner_links").loc[hk["row_number"]]
    rows = hk[hk["ward_code"].isin(split).to_numpy() & (hk["address"] != "").to_numpy()]
    assert len(rows)
    known = set(zip(pop["ward_code"], pop["address"], strict=True))
    true = hl.set_index("business_id").loc[rows["business_id"], "ward_code"].to_numpy()
    found = [(w, a) in known for w, a in zip(true, rows["address"], strict=True)]
    assert np.mean(found) > 0.2  # found as typed (the copies are re-typed and abbreviated at times)


@pytest.mark.parametrize("world", ["strong", "cities"])
def test_expected_prospects_stay_consistent_under_every_kind_of_noise(world: str,
                                                                      request: pytest.FixtureRequest) -> None:
    test_expected_prospects_are_consistent(world, request)
