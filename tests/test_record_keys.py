"""Record keys for the cell-key method: made at load, summed beside every count, kept secret.

The strongest check sets every record key to 1 and rebuilds the summaries: then a count's key
sum is the number of records it sums, so `X_key == X` for every count of every measure, grouping
and filter set proves each key sum counts exactly the records its count counts. With real keys
the sums are checked against sums worked out here from the extract's own files, with the keys
computed in Python from their definition (md5 of secret:table:id, low 12 bits).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import polars as pl
import pytest
from extracts import (
    assessment,
    claim,
    district,
    job_entry,
    office,
    payment,
    wfi,
    write_extract,
)

from jcp.bench import FILTER_SETS
from jcp.config import ConfigError, Settings, load_settings
from jcp.extract.db import connect_read_only
from jcp.extract.facts import build_order
from jcp.extract.load import STORED_AS_FACTS, build_facts, load
from jcp.extract.record_keys import KEY_RANGE
from jcp.measures.access import Scope
from jcp.measures.disclosure import rules_for
from jcp.measures.queries import query_sql, sql_parameters
from jcp.measures.runner import MEASURES, MeasureRequest, Runner, groupings_of

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
SECRET = "a fixed test secret, long enough to be accepted: 0123456789"
NATIONAL = Scope.national()
# Every measure with counts; overdue_deferrals is an operational list and has no keys.
KEYED_MEASURES = [m for m in MEASURES if rules_for(m).counts]


def python_key(table: str, record_id: str, secret: str = SECRET) -> int:
    """A record key by its definition, worked out without DuckDB."""
    digest = hashlib.md5(f"{secret}:{table}:{record_id}".encode()).digest()
    return int.from_bytes(digest, "little") % KEY_RANGE


def hand_tables() -> dict[str, list[dict]]:
    """A small extract with what the key sums could get wrong: a claim paid by two offices, a
    claim live across the period, claims starting and ending in one month, job entries in both
    windows' boundary months, and reviews with a dimension missing."""
    claims = [
        # Live across all of 2026 (started before it, never ended).
        claim("C01", "D01-O01", start_date="2025-06-02"),
        claim("C02", "D01-O01", start_date="2026-02-03", end_date="2026-02-20", end_reason="other"),
        claim(
            "C03",
            "D01-O02",
            start_date="2026-03-01",
            end_date="2026-07-15",
            end_reason="job_entry",
            benefit="ESA",
        ),
        claim(
            "C04",
            "D01-O02",
            start_date="2026-04-10",
            benefit="JSA",
            claimant_group="jobseeker",
            work_coach_ref=None,
        ),
        claim(
            "C05",
            "D02-O01",
            start_date="2026-01-15",
            end_date="2026-09-30",
            end_reason="job_entry",
            claimant_group="carer",
        ),
        claim(
            "C06", "D02-O01", start_date="2026-05-05", benefit="IS", claimant_group="lone_parent"
        ),
        # Paid by two offices: one recipient, counted once.
        claim("C07", "D01-O01", start_date="2026-01-20"),
        claim("C08", "D02-O01", start_date="2025-11-11", end_date="2026-01-10", end_reason="other"),
    ]
    return {
        "districts": [district("D01"), district("D02")],
        "offices": [office("D01-O01", "D01"), office("D01-O02", "D01"), office("D02-O01", "D02")],
        "claims": claims,
        "wfi": [
            wfi(
                "C01",
                due_date="2025-06-09",
                outcome="deferred",
                deferral_reason="illness",
                deferred_until="2025-07-01",
            ),
            wfi("C02", due_date="2026-02-10", outcome="waived"),
            wfi(
                "C03",
                due_date="2026-03-08",
                outcome="deferred",
                deferral_reason="caring",
                deferred_until="2026-04-01",
            ),
            wfi("C04", due_date="2026-04-17"),
            wfi(
                "C05",
                due_date="2026-01-22",
                outcome="deferred",
                deferral_reason="caring",
                deferred_until="2026-03-01",
                held_date="2026-03-02",
            ),
            wfi("C06", due_date="2026-05-12", outcome="pending"),
            wfi(
                "C07",
                due_date="2026-01-27",
                outcome="deferred",
                deferral_reason="illness",
                deferred_until="2026-02-27",
            ),
        ],
        "assessments": [
            assessment("A01", "C01", assessment_date="2025-07-01"),
            assessment(
                "A02", "C01", assessment_date="2026-03-01", kind="review", scores=(7, 6, 8, 5, 5)
            ),
            assessment(
                "A03", "C01", assessment_date="2026-06-01", kind="review", scores=(8, None, 8, 6, 5)
            ),
            assessment("A04", "C05", assessment_date="2026-02-01", scores=(3, 3, None, 3, 3)),
            assessment(
                "A05", "C05", assessment_date="2026-04-01", kind="review", scores=(5, 4, 4, 3, None)
            ),
            assessment("A06", "C07", assessment_date="2026-02-01"),
            assessment("A07", "C07", assessment_date="2026-08-14", kind="review"),
        ],
        "job_entries": [
            # The 26-week boundary month (May 2026 for an extract date of 2026-10-31).
            job_entry("J1", "C03", start_date="2026-05-01"),
            job_entry("J2", "C05", start_date="2026-05-20", end_date="2026-07-01"),
            # The 13-week boundary month (August 2026).
            job_entry("J3", "C05", start_date="2026-08-01"),
            job_entry("J4", "C06", start_date="2026-08-20"),
            # Whole months either side.
            job_entry("J5", "C01", start_date="2026-02-10", end_date="2026-06-30"),
            job_entry("J6", "C07", start_date="2026-09-05"),
        ],
        "fsf_payments": [
            payment("F1", "D01-O01", "C07", payment_date="2026-02-10"),
            payment("F2", "D02-O01", "C07", payment_date="2026-03-10", amount_gbp="40.00"),
            payment("F3", "D02-O01", "C07", payment_date="2026-03-18"),
            payment("F4", "D01-O01", "C01", payment_date="2026-01-05"),
            payment(
                "F5", "D01-O01", "C01", payment_date="2026-04-05", category="clothing_equipment"
            ),
            payment(
                "F6",
                "D02-O01",
                None,
                payment_date="2026-04-01",
                amount_gbp="900.00",
                category="partnership_grant",
            ),
            payment("F7", "D01-O02", "C03", payment_date="2026-03-20", category="training"),
        ],
        "fsf_budgets": [
            {"district_code": "D01", "financial_year": "2025-26", "allocation_gbp": "1000.00"},
            {"district_code": "D02", "financial_year": "2026-27", "allocation_gbp": "2000.00"},
        ],
    }


@pytest.fixture(scope="module")
def hand_extract(tmp_path_factory) -> Path:
    """The hand-built extract of hand_tables(), written once."""
    return write_extract(tmp_path_factory.mktemp("hand") / "extract", hand_tables())


@pytest.fixture(scope="module")
def hand_db(hand_extract: Path, tmp_path_factory) -> Path:
    """The hand-built extract loaded with the fixed secret."""
    db = tmp_path_factory.mktemp("hand_db") / "db.duckdb"
    report = load(hand_extract, db, secret=SECRET)
    assert report.total_rejected == 0
    return db


@pytest.fixture(scope="module")
def sample_keyed_db(tmp_path_factory) -> Path:
    """The committed sample loaded with the fixed secret."""
    db = tmp_path_factory.mktemp("sample_keyed") / "db.duckdb"
    load(SAMPLE, db, secret=SECRET)
    return db


def keys_set_to_one(source: Path, target: Path) -> Path:
    """A copy of the database whose every record key is 1, its summaries rebuilt from the
    event facts by the loader's own build_facts."""
    target.write_bytes(source.read_bytes())
    con = duckdb.connect(str(target))
    try:
        con.execute("update claims set record_key = 1")
        con.execute("update wfi_facts set record_key = 1")
        con.execute("update job_entry_facts set record_key = 1")
        con.execute(
            "update payment_facts set record_key = 1, "
            "claim_record_key = case when claim_record_key is not null then 1 end"
        )
        for name in reversed(build_order()):
            if name not in STORED_AS_FACTS.values():
                con.execute(f"drop table {name}")
        # Every key column left (summaries dropped) was set above: one missed would fail here.
        key_columns = con.execute(
            "select table_name, column_name from duckdb_columns() "
            "where column_name in ('record_key', 'claim_record_key') "
            "and table_name in (select table_name from duckdb_tables())"
        ).fetchall()
        assert sorted(key_columns) == [
            ("claims", "record_key"),
            ("job_entry_facts", "record_key"),
            ("payment_facts", "claim_record_key"),
            ("payment_facts", "record_key"),
            ("wfi_facts", "record_key"),
        ]
        build_facts(con)
        con.execute("checkpoint")
    finally:
        con.close()
    return target


def raw_frame(runner: Runner, request: MeasureRequest) -> pl.DataFrame:
    """What the engine returns for the request, before the runner drops the key sums."""
    wanted = sql_parameters(query_sql(request.measure))
    params = runner.parameters(request, NATIONAL)
    return runner.engine.query(request.measure, {k: v for k, v in params.items() if k in wanted})


def requests_for(runner: Runner, measure: str, periods: list[tuple[str, str]]):
    for period_from, period_to in periods:
        for by in groupings_of(measure):
            for filters in FILTER_SETS.values():
                yield MeasureRequest(measure, period_from, period_to, by=by, **filters)
            yield MeasureRequest(measure, period_from, period_to, by=by, groups=("carer", "other"))


# Periods: the default 12 months, one month, and a part-year that starts after claims were
# paid, started and reviewed (so the "first month in the period" tricks are exercised).
SAMPLE_PERIODS = [("2025-11", "2026-10"), ("2026-03", "2026-03"), ("2025-05", "2025-09")]
HAND_PERIODS = [("2025-11", "2026-10"), ("2026-03", "2026-03"), ("2026-03", "2026-08")]


def test_every_key_sum_counts_exactly_what_its_count_counts(
    sample_keyed_db, hand_db, tmp_path
) -> None:
    counted = {measure: dict.fromkeys(rules_for(measure).counts, 0) for measure in KEYED_MEASURES}
    for name, source, periods in (
        ("sample", sample_keyed_db, SAMPLE_PERIODS),
        ("hand", hand_db, HAND_PERIODS),
    ):
        db = keys_set_to_one(source, tmp_path / f"{name}-ones.duckdb")
        runner = Runner(connect_read_only(db))
        for measure in KEYED_MEASURES:
            counts = rules_for(measure).counts
            for request in requests_for(runner, measure, periods):
                frame = raw_frame(runner, request)
                keys = sorted(c for c in frame.columns if c.endswith("_key"))
                assert keys == sorted(f"{c}_key" for c in counts), (measure, keys)
                for column in counts:
                    assert frame[f"{column}_key"].dtype == pl.Int64, (request, column)
                    assert frame[f"{column}_key"].to_list() == frame[column].to_list(), (
                        request,
                        column,
                    )
                    counted[measure][column] += frame[column].sum()
    # Not vacuous: every count was non-zero somewhere, in the sample or the hand extract (a
    # rare kind of record, such as a claim ending onto the Work Programme, need not be in both).
    for measure, totals in counted.items():
        assert all(totals.values()), (measure, totals)


def test_the_runner_drops_every_key_sum(sample_keyed_db) -> None:
    """Until the perturbation step consumes them, nothing after the runner sees a key sum."""
    runner = Runner(connect_read_only(sample_keyed_db))
    for measure in MEASURES:
        for by in groupings_of(measure):
            request = runner.default_request(measure, by=by)
            assert any(c.endswith("_key") for c in raw_frame(runner, request).columns) == (
                measure in KEYED_MEASURES
            )
            for unsuppressed in (True, False):
                frame = runner.run(request, NATIONAL, unsuppressed=unsuppressed)
                assert not [c for c in frame.columns if c.endswith("_key")]


# --- real keys against sums worked out from the extract's own files --------------------------


def extract_frames(folder: Path) -> dict[str, pl.DataFrame]:
    return {
        name: pl.read_csv(folder / f"{name}.csv", infer_schema=False)
        for name in ("offices", "claims", "wfi", "fsf_payments", "job_entries")
    }


def by_office(runner: Runner, measure: str, period: tuple[str, str]) -> dict[str, dict]:
    frame = raw_frame(runner, MeasureRequest(measure, *period, by="office"))
    return {row["office_code"]: row for row in frame.iter_rows(named=True)}


@pytest.mark.parametrize("which", ["sample", "hand"])
def test_key_sums_equal_sums_of_python_keys(which, sample_keyed_db, hand_db, hand_extract) -> None:
    db, folder, period = {
        "sample": (sample_keyed_db, SAMPLE, ("2025-11", "2026-10")),
        "hand": (hand_db, hand_extract, ("2026-02", "2026-08")),
    }[which]
    first = dt.date.fromisoformat(f"{period[0]}-01")
    last = (dt.date.fromisoformat(f"{period[1]}-01") + dt.timedelta(days=31)).replace(day=1)
    last -= dt.timedelta(days=1)
    frames = extract_frames(folder)
    claims = frames["claims"].with_columns(
        pl.col("start_date", "end_date").str.to_date(),
        pl.col("claim_id").map_elements(lambda i: python_key("claims", i), pl.Int64).alias("key"),
    )
    runner = Runner(connect_read_only(db))

    # Deferred initial WFIs of non-JSA claims due in the period, per office of the claim.
    wfis = (
        frames["wfi"]
        .with_columns(pl.col("due_date").str.to_date())
        .join(claims.select("claim_id", "office_code", "benefit"), on="claim_id")
        .filter(
            pl.col("due_date").is_between(first, last),
            pl.col("benefit") != "JSA",
            pl.col("outcome") == "deferred",
        )
        .with_columns(
            pl.col("claim_id").map_elements(lambda i: python_key("wfi", i), pl.Int64).alias("key")
        )
    )
    expected = dict(wfis.group_by("office_code").agg(pl.col("key").sum()).iter_rows())
    got = by_office(runner, "deferrals", period)
    assert expected and all(got[o]["deferred_key"] == k for o, k in expected.items())
    assert all(row["deferred_key"] == 0 for o, row in got.items() if o not in expected)

    # Claims live at the end of the period: started by then and not ended by then.
    live = claims.filter(
        pl.col("start_date") <= last, pl.col("end_date").is_null() | (pl.col("end_date") > last)
    )
    expected = dict(live.group_by("office_code").agg(pl.col("key").sum()).iter_rows())
    got = by_office(runner, "caseload", period)
    assert expected and {o: r["live_claims_key"] for o, r in got.items() if o in expected} == (
        expected
    )

    # Recipients: each claim paid by an office in the period, once per office, its own key.
    paid = (
        frames["fsf_payments"]
        .with_columns(pl.col("payment_date").str.to_date())
        .filter(pl.col("payment_date").is_between(first, last), pl.col("claim_id") != "")
        .filter(pl.col("claim_id").is_not_null())
        .select("office_code", "claim_id")
        .unique()
        .join(claims.select("claim_id", "key"), on="claim_id")
    )
    expected = dict(paid.group_by("office_code").agg(pl.col("key").sum()).iter_rows())
    got = by_office(runner, "fsf_spend", period)
    assert expected and {o: r["recipients_key"] for o, r in got.items() if o in expected} == (
        expected
    )
    # And national: a claim paid by two offices is one recipient with its key once.
    total = raw_frame(runner, MeasureRequest("fsf_spend", *period))
    recipients = paid.select("claim_id", "key").unique()
    assert total["recipients_key"].to_list() == [recipients["key"].sum()]
    assert total["recipients"].to_list() == [recipients.height]
    if which == "hand":
        assert paid.filter(pl.col("claim_id") == "C07").height == 2  # the multi-office claim


def test_a_claim_paid_by_two_offices_is_one_recipient_key_in_the_total(hand_db) -> None:
    runner = Runner(connect_read_only(hand_db))
    frame = raw_frame(runner, MeasureRequest("fsf_spend", "2026-01", "2026-12"))
    claims = ("C01", "C03", "C07")
    assert frame["recipients"].to_list() == [3]
    assert frame["recipients_key"].to_list() == [sum(python_key("claims", c) for c in claims)]
    payments = ("F1", "F2", "F3", "F4", "F5", "F6", "F7")
    assert frame["payments_key"].to_list() == [sum(python_key("fsf_payments", p) for p in payments)]
    assert frame["claimant_payments_key"].to_list() == [
        sum(python_key("fsf_payments", p) for p in payments if p != "F6")
    ]


# --- the keys themselves ----------------------------------------------------------------------


def stored_keys(db: Path) -> dict[str, dict[str, int]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            table: dict(con.execute(f"select {id_column}, record_key from {table}").fetchall())
            for table, id_column in (
                ("claims", "claim_id"),
                ("wfi_facts", "claim_id"),
                ("job_entry_facts", "job_entry_id"),
                ("payment_facts", "payment_id"),
            )
        }
    finally:
        con.close()


def test_keys_are_the_keyed_hash_in_range_and_stable(sample_keyed_db, tmp_path) -> None:
    keys = stored_keys(sample_keyed_db)
    for table, name in (
        ("claims", "claims"),
        ("wfi_facts", "wfi"),
        ("job_entry_facts", "job_entries"),
        ("payment_facts", "fsf_payments"),
    ):
        assert keys[table], table
        assert all(0 <= k < KEY_RANGE for k in keys[table].values())
        some = sorted(keys[table])[:50]
        assert [keys[table][i] for i in some] == [python_key(name, i) for i in some]
    # The same secret and data: the same keys, on a reload into another file.
    again = load(SAMPLE, tmp_path / "again.duckdb", secret=SECRET)
    assert again.total_rejected == 0
    assert stored_keys(tmp_path / "again.duckdb") == keys
    # Another secret: other keys (almost all of them).
    load(SAMPLE, tmp_path / "other.duckdb", secret=SECRET + "x")
    other = stored_keys(tmp_path / "other.duckdb")["claims"]
    same = sum(other[i] == k for i, k in keys["claims"].items())
    assert same < len(other) / 100
    # The paid claim's key on a payment is the claim's own.
    con = duckdb.connect(str(sample_keyed_db), read_only=True)
    assert (
        con.execute(
            "select count(*), count(*) filter (where p.claim_record_key = c.record_key) "
            "from payment_facts as p join claims as c using (claim_id)"
        ).fetchone()
        == (len(keys["payment_facts"]) - sum_grants(con),) * 2
    )
    con.close()


def sum_grants(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select count(*) from payment_facts where claim_id is null").fetchone()[0]


def test_keys_are_roughly_uniform(sample_keyed_db) -> None:
    """Each of 16 bins of 256 keys holds 1/16 of the claims within 5 standard deviations."""
    keys = list(stored_keys(sample_keyed_db)["claims"].values())
    n = len(keys)
    assert n == 20_000
    expected = n / 16
    sd = (n * (1 / 16) * (15 / 16)) ** 0.5
    bins = [0] * 16
    for key in keys:
        bins[key // 256] += 1
    assert all(abs(b - expected) <= 5 * sd for b in bins), bins


# --- the secret ---------------------------------------------------------------------------------


def test_secret_file_is_made_once_private_and_reused(tmp_path) -> None:
    path = tmp_path / "deep" / "disclosure-secret"
    settings = Settings(disclosure_secret_file=path)
    first = settings.record_key_secret()
    assert len(first) == 64 and int(first, 16) >= 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert settings.record_key_secret() == first
    assert path.read_text().strip() == first
    # A configured secret wins, and no file is made for it.
    other = tmp_path / "unused"
    assert Settings(disclosure_secret=SECRET, disclosure_secret_file=other).record_key_secret() == (
        SECRET
    )
    assert not other.exists()
    assert SECRET not in repr(Settings(disclosure_secret=SECRET))


def test_an_unusable_secret_file_is_one_line_naming_it(tmp_path) -> None:
    path = tmp_path / "disclosure-secret"
    path.write_text("short\n")
    with pytest.raises(ConfigError, match="disclosure-secret: holds no usable") as error:
        Settings(disclosure_secret_file=path).record_key_secret()
    assert "short" not in str(error.value).replace("shortest", "")
    path.unlink()
    path.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ConfigError, match="symbolic link"):
        Settings(disclosure_secret_file=path).record_key_secret()


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ('secret = "too short"', "secret must be text of at least 32 characters"),
        ("secret = 12345678901234567890123456789012345", "secret must be text"),
        ("secret_file = 7", "secret_file must be a file path"),
        ('secret_file = ""', "secret_file must be a file path"),
    ],
)
def test_bad_secret_settings_are_one_line_errors(tmp_path, toml, problem) -> None:
    config = tmp_path / "jcp.toml"
    config.write_text(f"[disclosure]\n{toml}\n")
    with pytest.raises(ConfigError, match=problem) as error:
        load_settings(config)
    assert "too short" not in str(error.value) and "\n" not in str(error.value)


def test_settings_read_the_secret_and_its_file(tmp_path) -> None:
    config = tmp_path / "jcp.toml"
    config.write_text(f'[disclosure]\nsecret = "{SECRET}"\nsecret_file = "x/y"\n')
    settings = load_settings(config)
    assert settings.disclosure_secret == SECRET
    assert settings.disclosure_secret_file == Path("x/y")
    assert load_settings(tmp_path / "absent.toml").disclosure_secret_file == Path(
        "data/disclosure-secret"
    )


def test_the_secret_is_nowhere_in_the_database_output_or_rejects(tmp_path) -> None:
    """`python -m jcp load` makes the secret file and uses it; the secret shows nowhere."""
    tables = hand_tables()
    tables["claims"].append(claim("C99", "D01-O01", benefit="PIP"))  # rejected
    extract = write_extract(tmp_path / "extract", tables)
    secret_file = tmp_path / "secrets" / "disclosure-secret"
    config = tmp_path / "jcp.toml"
    config.write_text(f'[disclosure]\nsecret_file = "{secret_file}"\n')
    db = tmp_path / "db.duckdb"
    env = {**os.environ, "JCP_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    for command in ("load", "check"):
        args = [sys.executable, "-m", "jcp", command, str(extract)]
        args += ["--db", str(db)] if command == "load" else []
        done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        secret = secret_file.read_text().strip()
        assert len(secret) == 64
        assert secret not in done.stdout + done.stderr
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert secret.encode() not in db.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".db.duckdb")] == []
    con = duckdb.connect(str(db), read_only=True)
    try:
        raw = con.execute("select string_agg(raw, '') from rejects").fetchone()[0]
        assert "C99" in raw and secret not in raw
        # The keys are the secret file's: the load used it.
        key = con.execute("select record_key from claims where claim_id = 'C01'").fetchone()[0]
        assert key == python_key("claims", "C01", secret)
    finally:
        con.close()


def test_only_key_sums_end_in_key(sample_keyed_db) -> None:
    """The runner drops columns ending _key: no other figure of any measure ends so."""
    runner = Runner(connect_read_only(sample_keyed_db))
    for measure in MEASURES:
        frame = raw_frame(runner, replace(runner.default_request(measure), by="office"))
        named = {c for c in frame.columns if c.endswith("_key")}
        counts = rules_for(measure).counts
        assert named == {f"{c}_key" for c in counts}


def test_a_database_loaded_without_record_keys_is_refused_by_name(hand_db, tmp_path) -> None:
    """A database an older loader built has no key sums for the queries to read: say so."""
    from jcp.extract.db import DatabaseOutdated
    from jcp.measures.engines import open_engine

    db = tmp_path / "old.duckdb"
    db.write_bytes(hand_db.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("alter table claims drop column record_key")  # as loaders before keys left it
    con.close()
    with pytest.raises(DatabaseOutdated, match=r"older version of the loader \(no record keys\)"):
        open_engine("duckdb", db=db)
