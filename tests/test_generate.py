"""Tests for the synthetic extract generator, checked with DuckDB over the files themselves."""

from __future__ import annotations

import time
import tomllib
from datetime import date
from pathlib import Path

import duckdb
import pytest

from jcp.cli import main
from jcp.extract import contract
from jcp.extract.generate import bad_row_rules, default_geography, generate, geography
from jcp.extract.load import check

CLAIMS = 3000
SEED = 11
EXTRACT_DATE = date(2026, 10, 31)


def _file_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _connect(folder: Path, ext: str = "csv") -> duckdb.DuckDBPyConnection:
    """A fresh in-memory database with one typed view per contract table."""
    con = duckdb.connect()
    for table in contract.TABLES:
        path = folder / f"{table.name}.{ext}"
        if ext == "csv":
            # Read with the contract's types, so a value that does not parse fails the test.
            columns = {c.name: c.type for c in table.columns}
            source = con.read_csv(str(path), header=True, auto_detect=False, columns=columns)
        else:
            source = con.read_parquet(str(path))
        source.create_view(table.name)
    return con


@pytest.fixture(scope="module")
def csv_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small CSV extract, generated once for the module."""
    folder = tmp_path_factory.mktemp("csv")
    started = time.perf_counter()
    generate(folder, claims=CLAIMS, seed=SEED, fmt="csv", extract_date=EXTRACT_DATE)
    print(f"generated {CLAIMS} claims as CSV in {time.perf_counter() - started:.2f}s")
    return folder


@pytest.fixture(scope="module")
def parquet_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same extract as csv_extract, written as Parquet."""
    folder = tmp_path_factory.mktemp("parquet")
    generate(folder, claims=CLAIMS, seed=SEED, fmt="parquet", extract_date=EXTRACT_DATE)
    return folder


@pytest.fixture()
def con(csv_extract: Path) -> duckdb.DuckDBPyConnection:
    """DuckDB views over the CSV extract."""
    return _connect(csv_extract)


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    cursor = con.cursor()  # a cursor per query: the shared connection holds no open result
    try:
        return cursor.execute(sql).fetchone()[0]
    finally:
        cursor.close()


# --- determinism and formats -------------------------------------------------------------------


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", claims=2000, seed=3)
    generate(tmp_path / "b", claims=2000, seed=3)
    generate(tmp_path / "c", claims=2000, seed=4)
    a, b, c = (_file_bytes(tmp_path / name) for name in "abc")
    assert a == b
    assert a["claims.csv"] != c["claims.csv"]


def test_parquet_and_csv_hold_the_same_rows(csv_extract: Path, parquet_extract: Path) -> None:
    csv_con = _connect(csv_extract)
    for table in contract.TABLES:
        from_csv = csv_con.table(table.name).fetchall()
        from_parquet = _connect(parquet_extract, "parquet").table(table.name).fetchall()
        assert from_parquet == from_csv, table.name


def test_parquet_types_follow_the_contract(parquet_extract: Path) -> None:
    con = duckdb.connect()
    expected_physical = {"VARCHAR": "VARCHAR", "DATE": "DATE", "INTEGER": "INTEGER"}
    for table in contract.TABLES:
        described = con.execute(
            f"describe select * from read_parquet('{parquet_extract / table.name}.parquet')"
        ).fetchall()
        assert [row[0] for row in described] == table.column_names
        for column, row in zip(table.columns, described, strict=True):
            assert row[1] == expected_physical.get(column.type, "DECIMAL(12,2)"), column.name


def test_csv_layout(csv_extract: Path) -> None:
    for table in contract.TABLES:
        lines = (csv_extract / f"{table.name}.csv").read_text(encoding="utf-8").splitlines()
        assert lines[0] == ",".join(table.column_names)
    payments = (csv_extract / "fsf_payments.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert all(line.split(",")[4].split(".")[1].isdigit() for line in payments)
    assert all(len(line.split(",")[4].split(".")[1]) == 2 for line in payments)
    manifest = tomllib.loads((csv_extract / "extract.toml").read_text(encoding="utf-8"))
    assert manifest["extract_date"] == "2026-10-31"
    assert f"seed={SEED}" in manifest["source"]


def test_auto_format_and_bad_rows_need_csv(tmp_path: Path) -> None:
    written = generate(tmp_path / "auto", claims=50, seed=1, bad_rows=1, fmt="auto")
    assert (tmp_path / "auto" / "claims.csv").is_file()
    assert written["claims"] > 50
    with pytest.raises(ValueError, match="CSV"):
        generate(tmp_path / "pq", claims=50, seed=1, bad_rows=1, fmt="parquet")
    with pytest.raises(ValueError):
        generate(tmp_path / "x", claims=50, fmt="xlsx")


def test_bad_rows_cover_every_rule_and_leave_good_rows_alone(tmp_path: Path) -> None:
    assert bad_row_rules() == contract.all_rule_ids()
    generate(tmp_path / "good", claims=500, seed=2)
    generate(tmp_path / "bad", claims=500, seed=2, bad_rows=2)
    for table in contract.TABLES:
        good = (tmp_path / "good" / f"{table.name}.csv").read_bytes()
        bad = (tmp_path / "bad" / f"{table.name}.csv").read_bytes()
        assert bad.startswith(good) and len(bad) > len(good), table.name


# --- the contract, checked independently ------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("districts", "district_code"),
        ("offices", "office_code"),
        ("claims", "claim_id"),
        ("wfi", "claim_id"),
        ("assessments", "assessment_id"),
        ("job_entries", "job_entry_id"),
        ("fsf_payments", "payment_id"),
        ("fsf_budgets", "district_code, financial_year"),
    ],
)
def test_keys_are_unique(con: duckdb.DuckDBPyConnection, table: str, key: str) -> None:
    assert _scalar(con, f"select count(*) - count(distinct ({key})) from {table}") == 0


def test_one_baseline_per_claim(con: duckdb.DuckDBPyConnection) -> None:
    sql = "select count(*) - count(distinct claim_id) from assessments where kind = 'baseline'"
    assert _scalar(con, sql) == 0


@pytest.mark.parametrize(
    ("table", "column"),
    [(t.name, c) for t in contract.TABLES for c in t.columns if c.required or c.allowed],
    ids=lambda value: getattr(value, "name", value),
)
def test_required_and_allowed_values(
    con: duckdb.DuckDBPyConnection, table: str, column: contract.Column
) -> None:
    if column.required:
        assert _scalar(con, f"select count(*) from {table} where {column.name} is null") == 0
    if column.allowed:
        rows = con.table(table).select(duckdb.ColumnExpression(column.name)).distinct().fetchall()
        values = {row[0] for row in rows}
        assert values - {None} <= set(column.allowed)


@pytest.mark.parametrize(
    ("table", "ref"), [(t.name, r) for t in contract.TABLES for r in t.references]
)
def test_references_exist(
    con: duckdb.DuckDBPyConnection, table: str, ref: contract.Reference
) -> None:
    sql = (
        f"select count(*) from {table} as t anti join {ref.parent} as p "
        f"on p.{ref.parent_column} = t.{ref.column} where t.{ref.column} is not null"
    )
    assert _scalar(con, sql) == 0


@pytest.mark.parametrize(
    ("table", "rule"),
    [(t.name, rule) for t in contract.TABLES for rule in t.rules],
    ids=lambda value: getattr(value, "id", value),
)
def test_no_row_breaks_a_contract_rule(
    con: duckdb.DuckDBPyConnection, table: str, rule: contract.Rule
) -> None:
    joins = " ".join(
        f"left join {ref.parent} as {ref.alias} on {ref.alias}.{ref.parent_column} = t.{ref.column}"
        for ref in contract.TABLES_BY_NAME[table].references
    )
    sql = f"select count(*) from {table} as t {joins} where {rule.broken}"
    params = {"extract_date": EXTRACT_DATE} if "$extract_date" in sql else None
    assert con.execute(sql, params).fetchone()[0] == 0


def test_jsa_never_deferred_or_waived(con: duckdb.DuckDBPyConnection) -> None:
    sql = """
        select count(*) from wfi join claims using (claim_id)
        where benefit = 'JSA' and outcome in ('deferred', 'waived')
    """
    assert _scalar(con, sql) == 0
    assert _scalar(con, "select count(*) from claims where benefit = 'JSA'") > 0


@pytest.mark.parametrize(
    ("table", "column"),
    [
        (t.name, c.name)
        for t in contract.TABLES
        for c in t.columns
        # deferred_until is a planned date: a recent deferral may run past the extract date.
        if c.type == "DATE" and c.name != "deferred_until"
    ],
)
def test_dates_not_after_extract_date(
    con: duckdb.DuckDBPyConnection, table: str, column: str
) -> None:
    assert _scalar(con, f"select max({column}) from {table}") <= EXTRACT_DATE


# --- the patterns the app shows ---------------------------------------------------------------


def test_share_of_mature_job_entries_sustained_13_weeks(con: duckdb.DuckDBPyConnection) -> None:
    sql = """
        select avg(case when end_date is null or end_date - start_date >= 91 then 1 else 0 end)
        from job_entries where start_date <= date '2026-10-31' - 91
    """
    assert 0.55 <= _scalar(con, sql) <= 0.8


def test_deferral_rate_falls_over_time(con: duckdb.DuckDBPyConnection) -> None:
    sql = """
        select avg(case when outcome = 'deferred' then 1 else 0 end)
        from wfi join claims using (claim_id)
        where benefit <> 'JSA' and due_date between $first and $last
    """
    first_six = con.execute(sql, {"first": date(2024, 5, 1), "last": date(2024, 10, 31)}).fetchone()
    last_six = con.execute(sql, {"first": date(2026, 5, 1), "last": date(2026, 10, 31)}).fetchone()
    assert first_six[0] > last_six[0]


def test_some_deferrals_are_overdue(con: duckdb.DuckDBPyConnection) -> None:
    sql = """
        select count(*) from wfi join claims using (claim_id)
        where outcome = 'deferred' and held_date is null and end_date is null
          and deferred_until < date '2026-10-31'
    """
    assert _scalar(con, sql) > 0


def test_some_district_under_spends(con: duckdb.DuckDBPyConnection) -> None:
    sql = """
        with spend as (
            select o.district_code,
                   year(p.payment_date) - case when month(p.payment_date) < 4 then 1 else 0 end
                       as fy,
                   sum(p.amount_gbp) as spent
            from fsf_payments as p join offices as o using (office_code)
            group by all
        )
        select count(*) from fsf_budgets as b join spend as s
            on s.district_code = b.district_code
           and b.financial_year = s.fy || '-' || lpad(((s.fy + 1) % 100)::varchar, 2, '0')
        where s.spent < b.allocation_gbp
    """
    assert _scalar(con, sql) > 0


# --- geographies: the sample's 6 districts, or the national network ----------------------------

ROOT = Path(__file__).resolve().parent.parent
NATIONAL_CLAIMS = 30_000
NATIONAL_SEED = 3


@pytest.fixture(scope="module")
def national_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 30,000-claim extract of the national geography (CSV), generated once for the module."""
    folder = tmp_path_factory.mktemp("national")
    generate(folder, claims=NATIONAL_CLAIMS, seed=NATIONAL_SEED, geography="national")
    return folder


@pytest.fixture()
def national(national_extract: Path) -> duckdb.DuckDBPyConnection:
    """DuckDB views over the national extract."""
    return _connect(national_extract)


def test_the_sample_geography_reproduces_sample_data(tmp_path: Path) -> None:
    # The command sample_data/README.md gives; below 1M claims the default is the sample.
    out = tmp_path / "sample"
    assert main(["generate", str(out), "--claims", "20000", "--seed", "20261122"]) == 0
    written = _file_bytes(out)
    committed = _file_bytes(ROOT / "sample_data")
    assert set(written) == set(committed) - {"README.md", "access.toml"}
    for name, content in written.items():
        assert content == committed[name], name


def test_default_geography_switches_at_a_million_claims() -> None:
    assert default_geography(999_999) == "sample"
    assert default_geography(1_000_000) == "national"
    with pytest.raises(ValueError, match="geography"):
        generate(Path("/nonexistent"), claims=10, geography="regional")


def test_national_same_seed_gives_identical_files(national_extract: Path, tmp_path: Path) -> None:
    generate(tmp_path, claims=NATIONAL_CLAIMS, seed=NATIONAL_SEED, geography="national")
    assert _file_bytes(tmp_path) == _file_bytes(national_extract)
    manifest = tomllib.loads((national_extract / "extract.toml").read_text(encoding="utf-8"))
    assert "geography=national" in manifest["source"]


def test_national_loads_with_zero_rejects(national_extract: Path) -> None:
    report = check(national_extract)
    assert report.total_rejected == 0
    read = {c.table: c.rows_read for c in report.counts}
    assert read["claims"] == NATIONAL_CLAIMS and read["offices"] == 380


def test_national_has_37_districts_in_7_groups(national: duckdb.DuckDBPyConnection) -> None:
    assert _scalar(national, "select count(*) from districts") == 37
    assert _scalar(national, "select count(distinct region) from districts") == 7
    codes = {row[0] for row in national.sql("select district_code from districts").fetchall()}
    assert codes == {f"D{d:02d}" for d in range(1, 38)}
    # Fictional names: none of the sample's real places.
    names = {row[0] for row in national.sql("select district_name from districts").fetchall()}
    names |= {row[0] for row in national.sql("select office_name from offices").fetchall()}
    sample = {
        row[0]
        for row in _connect(ROOT / "sample_data").sql("select office_name from offices").fetchall()
    }
    assert not names & sample


def test_national_offices(national: duckdb.DuckDBPyConnection) -> None:
    # The documented layout: 380 offices, 6 to 16 a district, codes Dnn-Onn of their district.
    assert _scalar(national, "select count(*) from offices") == 380
    per_district = national.execute(
        "select min(n), max(n) from (select count(*) as n from offices group by district_code)"
    ).fetchone()
    fewest, most = per_district
    assert fewest >= 6 and most <= 16
    sql = "select count(*) from offices where office_code not like district_code || '-O__'"
    assert _scalar(national, sql) == 0
    # bench's filter sets name these; they must exist in both geographies.
    sql = "select count(*) from offices where office_code = 'D01-O03' and district_code = 'D01'"
    assert _scalar(national, sql) == 1
    assert (
        _scalar(national, "select count(*) from offices anti join claims using (office_code)") == 0
    )


def test_national_office_sizes_are_uneven(national: duckdb.DuckDBPyConnection) -> None:
    smallest, largest = national.execute(
        "select min(n), max(n) from (select count(*) as n from claims group by office_code)"
    ).fetchone()
    # At 30,000 claims 78 offices sit on the floor of 12 expected claims; the smallest of 78
    # Poisson(12) draws is 9 or fewer unless all are >= 10 (P = 0.758**78, about 4e-10). The
    # largest office has 2.3% of the network's claims, about 700 (sd 26), so surely >= 600.
    # 600 / 9 is about 66; a flat network (79 claims an office, sd 9) would give about 2.
    assert largest >= 20 * smallest, (smallest, largest)


def _average_rank(column: str) -> str:
    """SQL for the rank of `column` with ties given their average rank (Spearman's rule)."""
    return f"rank() over (order by {column}) + (count(*) over (partition by {column}) - 1) / 2"


def test_national_work_coaches_follow_caseload(national: duckdb.DuckDBPyConnection) -> None:
    net = geography.national()
    assert net.work_coaches.min() >= 8 and net.work_coaches.max() <= 60
    national.execute(
        "create table staff (office_code varchar, coaches integer)",
    )
    national.executemany(
        "insert into staff values (?, ?)",
        [[code, int(n)] for code, n in zip(net.office_codes, net.work_coaches, strict=True)],
    )
    # A coach works in one office, and an office's claims use no more coaches than it has.
    sql = """
        select count(*) from (
            select work_coach_ref from claims where work_coach_ref is not null
            group by all having count(distinct office_code) > 1
        )
    """
    assert _scalar(national, sql) == 0
    per_office = """
        select office_code, count(*) as claims, count(distinct work_coach_ref) as seen, coaches
        from claims join staff using (office_code) group by office_code, coaches
    """
    assert _scalar(national, f"select count(*) from ({per_office}) where seen > coaches") == 0
    # An office with 200 claims has met all of 8 coaches: P(one unseen) <= 8 * (7/8)**200.
    assert _scalar(national, f"select min(seen) from ({per_office}) where claims >= 200") >= 8
    spearman = f"""
        select corr(claims_rank, coaches_rank) from (
            select {_average_rank("claims")} as claims_rank,
                   {_average_rank("coaches")} as coaches_rank
            from ({per_office})
        )
    """
    assert _scalar(national, spearman) > 0.8


def test_national_budgets_cover_every_district_and_year(
    national: duckdb.DuckDBPyConnection,
) -> None:
    # Claims start from 2024-05 (30 months to 2026-10): financial years 2024-25 to 2026-27.
    sql = """
        with years as (
            select distinct year(start_date) - case when month(start_date) < 4 then 1 else 0 end
                as fy
            from claims
        ),
        wanted as (
            select district_code, fy || '-' || lpad(((fy + 1) % 100)::varchar, 2, '0') as label
            from districts cross join years
        )
        select count(*) from wanted as w anti join fsf_budgets as b
            on b.district_code = w.district_code and b.financial_year = w.label
    """
    assert _scalar(national, sql) == 0
    assert _scalar(national, "select count(*) from fsf_budgets") == 37 * 3
