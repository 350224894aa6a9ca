"""covgap against a plain Splink + DuckDB pipeline (link + rules) on the same files: wall time, CPU
time, peak memory and the lists' quality, side by side.

    pip install -e '.[bench]'      # Splink: the companion's only extra need (not covgap's)
    python benchmarks/splink_companion.py --world DIR [--as-of 2026-07-01] [--work DIR]

The companion is what a data engineer would write in an afternoon with Splink's documented API:
residents linked to the insured, managers' and household owners' records in one ``link_only`` model
(u by random sampling, m by EM, the usual name / date / ID / sex / commune comparisons and blocking
rules), organisations by exact tax code, then the contract's rules in DuckDB SQL. No commune code
conversion, no quarantine, no lists or reports: the floor of the work, not a product. Each pipeline
runs in its own process (its own peak RSS, as ``os.wait4`` reports it). Both are scored against the
world's truth (``benchmarks/compare_truth.py``), so time is never bought with quality.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.compare_truth import scores  # noqa: E402

# Residents and the records that may be theirs, in one shape: (unique_id, person_id, name, dob, sex, ward_code).
PERSONS_SQL = {
    "population": "SELECT 'p' || row_number() OVER () AS unique_id, person_id, full_name AS name, "
                  "date_of_birth AS dob, sex, ward_code FROM population",
    "records": """
        SELECT 'i' || row_number() OVER () AS unique_id, person_id, full_name AS name, date_of_birth AS dob, sex,
               ward_code, si_code AS record_key, 'insured' AS kind FROM insured
        UNION ALL
        SELECT 'm' || row_number() OVER (), person_id, full_name, date_of_birth, sex, NULL,
               org_tax_code || '|' || coalesce(person_id, ''), 'manager' FROM managers
        UNION ALL
        SELECT 'h' || row_number() OVER (), owner_person_id, owner_full_name, owner_date_of_birth, NULL, ward_code,
               business_id, 'owner' FROM household_businesses""",
}


def _retirement_months(sex: str, year: int) -> int:
    """The statutory retirement age in months in ``year`` (Decree 135/2020/ND-CP, as in the contract)."""
    after = max(0, year - 2020)
    return min(62 * 12, 60 * 12 + 3 * after) if sex == "M" else min(60 * 12, 55 * 12 + 4 * after)


def splink_pipeline(world: Path, out: Path, as_of: dt.date) -> None:
    """Link with Splink on DuckDB, apply the rules in SQL, write ``out/prospects.csv``."""
    import duckdb
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    con = duckdb.connect(config={"temp_directory": str(out / ".duckdb_tmp")})  # spills stay in the work folder
    for name in ("population", "insured", "managers", "household_businesses", "enterprises", "cooperatives",
                 "employers"):
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{world / (name + '.csv')}', all_varchar=true)")
    for table, sql in PERSONS_SQL.items():
        # dob_day: the date when it is a whole one; a partial date ("1980") keys no block (nulls never do)
        con.execute(f"CREATE TABLE persons_{table} AS SELECT * EXCLUDE (name), "
                    f"lower(strip_accents(trim(name))) AS name, "
                    f"CASE WHEN length(dob) = 10 THEN dob END AS dob_day FROM ({sql})")
    db = DuckDBAPI(connection=con)
    left = db.register("persons_population")
    right = db.register("persons_records")
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.ExactMatch("person_id"),
            cl.JaroWinklerAtThresholds("name", [0.95, 0.88]),
            cl.LevenshteinAtThresholds("dob", [1, 2]),
            cl.ExactMatch("sex"),
            cl.ExactMatch("ward_code"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("person_id"),
            block_on("name", "dob"),
            block_on("dob_day", "ward_code"),
            block_on("name", "ward_code"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([left, right], settings, log_level="WARNING")
    linker.training.estimate_probability_two_random_records_match([block_on("person_id")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    # EM on blocks that stay small at a million: the ID (all but the ID's m), then name and date (the ID's)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("person_id"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name", "dob"))
    pairs = linker.inference.predict(threshold_match_probability=0.9)
    con.execute(f"CREATE TABLE pairs AS SELECT * FROM {pairs.physical_name}")
    # each record is someone's: its best resident
    con.execute("""
        CREATE TABLE owner AS
        SELECT p.person_id AS resident_id, p.ward_code AS resident_ward, r.kind, r.record_key
        FROM (SELECT *, row_number() OVER (PARTITION BY unique_id_r ORDER BY match_probability DESC,
                                                     unique_id_l) AS k FROM pairs) x
        JOIN persons_population p ON p.unique_id = x.unique_id_l
        JOIN persons_records r ON r.unique_id = x.unique_id_r
        WHERE x.k = 1""")
    _rules(con, as_of)
    con.execute(f"COPY (SELECT * FROM prospects ORDER BY ALL) TO '{out / 'prospects.csv'}' (HEADER, DELIMITER ',')")


def _rules(con, as_of: dt.date) -> None:  # noqa: ANN001 (a DuckDB connection)
    """The contract's groups, in SQL, from the links Splink found."""
    year = as_of.year
    con.execute(f"""
        CREATE TABLE residents AS
        SELECT person_id, ward_code, sex,
               date_diff('month', CAST(CASE length(date_of_birth) WHEN 4 THEN date_of_birth || '-01-01'
                                          WHEN 7 THEN date_of_birth || '-01' ELSE date_of_birth END AS DATE),
                         DATE '{as_of}') AS age_months,
               coalesce(death_date, '') = '' OR death_date > '{as_of}' AS alive
        FROM population WHERE try_cast(CASE length(date_of_birth) WHEN 4 THEN date_of_birth || '-01-01'
                                     WHEN 7 THEN date_of_birth || '-01' ELSE date_of_birth END AS DATE) IS NOT NULL;
        CREATE TABLE cover AS
        SELECT o.resident_id,
               bool_or(i.si_type = 'compulsory' AND i.si_status = 'active') AS compulsory,
               bool_or(i.si_type IS NOT NULL AND i.si_status = 'active') AS any_si,
               bool_or(i.hi_valid_to >= '{as_of}') AS hi,
               bool_or(i.pensioner = 'yes') AS pensioner
        FROM owner o JOIN insured i ON o.kind = 'insured' AND i.si_code = o.record_key GROUP BY 1;
        CREATE TABLE person AS
        SELECT r.*, coalesce(c.compulsory, false) AS compulsory, coalesce(c.any_si, false) AS any_si,
               coalesce(c.hi, false) AS hi, coalesce(c.pensioner, false) AS pensioner,
               r.age_months >= 180 AND r.age_months < CASE r.sex WHEN 'M' THEN {_retirement_months('M', year)}
                                                               ELSE {_retirement_months('F', year)} END AS working
        FROM residents r LEFT JOIN cover c ON c.resident_id = r.person_id;
        CREATE TABLE orgs AS
        SELECT tax_code, ward_code, try_cast(employees AS INTEGER) AS employees FROM enterprises WHERE status = 'active'
        UNION ALL
        SELECT tax_code, ward_code, try_cast(employees AS INTEGER) FROM cooperatives WHERE status = 'active';
        CREATE TABLE declared AS
        SELECT e.tax_code, count(i.si_code) FILTER (i.si_type = 'compulsory' AND i.si_status = 'active') AS insured
        FROM employers e LEFT JOIN insured i ON i.employer_unit_code = e.unit_code GROUP BY 1;
        CREATE TABLE prospects AS
        SELECT 'unregistered_employer' AS "group", o.ward_code, NULL AS person_id, o.tax_code, NULL AS business_id
        FROM orgs o WHERE o.tax_code NOT IN (SELECT tax_code FROM employers WHERE tax_code IS NOT NULL)
        UNION ALL
        SELECT 'underdeclared_employer', o.ward_code, NULL, o.tax_code, NULL
        FROM orgs o JOIN declared d USING (tax_code) WHERE o.employees > d.insured
        UNION ALL
        SELECT 'uninsured_manager', o.ward_code, p.person_id, o.tax_code, NULL
        FROM owner w JOIN person p ON p.person_id = w.resident_id
        JOIN orgs o ON o.tax_code = split_part(w.record_key, '|', 1)
        WHERE w.kind = 'manager' AND p.alive AND p.working AND NOT p.pensioner AND NOT p.compulsory
        UNION ALL
        SELECT 'uninsured_household_owner', h.ward_code, p.person_id, NULL, h.business_id
        FROM owner w JOIN person p ON p.person_id = w.resident_id
        JOIN household_businesses h ON h.business_id = w.record_key
        WHERE w.kind = 'owner' AND h.status = 'active' AND h.tax_method = 'declaration'
          AND p.alive AND p.working AND NOT p.pensioner AND NOT p.compulsory;
        INSERT INTO prospects
        SELECT 'voluntary_si_prospect', p.ward_code, p.person_id, NULL, NULL FROM person p
        WHERE p.alive AND p.working AND NOT p.pensioner AND NOT p.any_si
          AND p.person_id NOT IN (SELECT person_id FROM prospects WHERE person_id IS NOT NULL)
        UNION ALL
        SELECT 'hi_prospect', p.ward_code, p.person_id, NULL, NULL FROM person p WHERE p.alive AND NOT p.hi;
    """)


def measured(command: list[str]) -> dict[str, float]:
    """Wall and CPU seconds and peak RSS (GiB) of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "GX_ANALYTICS_ENABLED": "false"})
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}")
    return {"wall_s": time.perf_counter() - started, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_gib": usage.ru_maxrss / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--world", type=Path, required=True, help="a generated world (with truth/)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 7, 1))
    parser.add_argument("--work", type=Path, default=None, help="keep both outputs here")
    parser.add_argument("--only-splink", type=Path, default=None, help=argparse.SUPPRESS)  # the child's mode
    args = parser.parse_args()
    if args.only_splink:
        splink_pipeline(args.world.resolve(), args.only_splink, args.as_of)
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="covgap-vs-splink-"))
    (work / "splink").mkdir(parents=True, exist_ok=True)
    runs = {
        "splink": measured([sys.executable, __file__, "--world", str(args.world), "--as-of", str(args.as_of),
                            "--only-splink", str(work / "splink")]),
        "covgap": measured([str(Path(sys.executable).with_name("covgap")), "run", "--input", str(args.world),
                            "--output", str(work / "covgap"), "--as-of", str(args.as_of)]),
    }
    print(f"world {args.world} (as of {args.as_of}); outputs in {work}")
    print(f"{'pipeline':10} {'wall s':>9} {'cpu s':>9} {'peak GiB':>9} {'macro F1':>9}")
    for name, figures in runs.items():
        table = scores(args.world, work / name)
        print(f"{name:10} {figures['wall_s']:9.1f} {figures['cpu_s']:9.1f} {figures['peak_gib']:9.2f} "
              f"{table['f1'].mean():9.4f}")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    ratio = runs["covgap"]["wall_s"] / runs["splink"]["wall_s"]
    cpu_ratio = runs["covgap"]["cpu_s"] / runs["splink"]["cpu_s"]
    print(f"covgap / splink: wall {ratio:.2f}x, cpu {cpu_ratio:.2f}x (issue 13's target: wall <= 0.5x)")


if __name__ == "__main__":
    main()
