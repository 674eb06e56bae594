"""Every queries/*.sql file is known to the runner, documented, bound-parameter only, and runs."""

from __future__ import annotations

import re

import polars as pl
import pytest
from extracts import EXACT

from jcp.extract.db import connect_read_only
from jcp.measures.access import Scope
from jcp.measures.queries import QUERIES_DIR
from jcp.measures.runner import MEASURES, REPORTS, sql_parameters

SQL_FILES = sorted(p.stem for p in QUERIES_DIR.glob("*.sql"))
KNOWN_PARAMETERS = {
    "by",
    "period_start",
    "period_end",
    "extract_date",
    "districts",
    "offices",
    "benefits",
    "groups",
    "limit",
}


FACT_FILES = sorted(p.stem for p in (QUERIES_DIR / "facts").glob("*.sql"))


def test_every_sql_file_is_a_measure_or_a_report() -> None:
    assert sorted(SQL_FILES) == sorted([*MEASURES, *REPORTS])


@pytest.mark.parametrize("name", sorted(set(FACT_FILES) - {"multi_office_claim_payments"}))
def test_fact_tables_are_built_at_load_with_a_row_per_event(name: str, sample_db) -> None:
    text = (QUERIES_DIR / "facts" / f"{name}.sql").read_text(encoding="utf-8")
    assert text.startswith(f"-- {name}:") and not sql_parameters(text)
    con = connect_read_only(sample_db)
    # A fact table adds columns to its event table's accepted rows, never rows (and loses
    # none); the event table itself is kept by name as a view of it.
    counts = con.execute(
        {
            "wfi_facts": "select (select count(*) from wfi_facts), (select accepted from loads "
            "where table_name = 'wfi')",
            "job_entry_facts": "select (select count(*) from job_entry_facts), "
            "(select accepted from loads where table_name = 'job_entries')",
            "payment_facts": "select (select count(*) from payment_facts), "
            "(select accepted from loads where table_name = 'fsf_payments')",
            # Monthly flows: every claim starts once, and ends once if it has ended.
            "claim_flows": "select (select sum(starts) + sum(ends) from claim_flows), "
            "(select count(*) + count(end_date) from claims)",
            "claim_months": "select (select sum(starts) + sum(ends) from claim_months), "
            "(select count(*) + count(end_date) from claims)",
            # The worklist's candidates, counted from the claims and interviews themselves.
            "deferred_wfi": "select (select count(*) from deferred_wfi), (select count(*) "
            "from wfi as w join claims as c using (claim_id) where w.outcome = 'deferred' "
            "and w.held_date is null and c.end_date is null)",
            # Monthly summaries count every event once.
            "wfi_months": "select (select sum(interviews) from wfi_months), "
            "(select count(*) from wfi)",
            "job_entry_months": "select (select sum(job_entries) from job_entry_months), "
            "(select count(*) from job_entries)",
            # Every payment once, and its amount once (NULL, failing, when the spend differs).
            "payment_category_months": "select (select sum(payments) from "
            "payment_category_months having sum(spend_gbp) = (select sum(amount_gbp) from "
            "fsf_payments)), (select count(*) from fsf_payments)",
            "payment_months": "select (select sum(payments) from payment_months), "
            "(select count(*) from fsf_payments)",
            # Every ended claim once (the restart days added to it), and counted once a month.
            "claim_restart_facts": "select (select count(*) from claim_restart_facts), "
            "(select count(end_date) from claims)",
            "claim_restart_months": "select (select sum(ended) from claim_restart_months), "
            "(select count(end_date) from claims)",
            # Every ended claim once, by destination and by length (a claim's length is one
            # number, so the lengths count it once too).
            "claim_end_months": "select (select sum(ended) from claim_end_months where "
            "ended = to_work + to_work_programme + to_other_benefit + to_other), "
            "(select count(end_date) from claims)",
            "claim_end_lengths": "select (select sum(claims) from claim_end_lengths), "
            "(select count(end_date) from claims)",
            "claim_exit_days": "select (select sum(started) from claim_exit_days), "
            "(select count(*) from claims)",
            "claim_exit_months": "select (select sum(started) from claim_exit_months), "
            "(select count(*) from claims)",
            # The interviews wfi_timeliness counts: attended or missed, once each.
            "interview_months": "select (select sum(interviews) from interview_months), "
            "(select count(*) from wfi where outcome in ('attended', 'failed_to_attend'))",
            # Every deferred interview, held or not, once (and once in each summary of them).
            "deferral_facts": "select (select count(*) from deferral_facts), "
            "(select count(*) from wfi where outcome = 'deferred')",
            "deferral_months": "select (select sum(deferrals) from deferral_months where "
            "deferrals = held_within_14d + held_later + not_held), "
            "(select count(*) from wfi where outcome = 'deferred')",
            "deferral_length_months": "select (select sum(deferred) from "
            "deferral_length_months), (select count(*) from wfi where outcome = 'deferred')",
            # Running totals of claim_months: live at the last month equals the open claims.
            "live_claim_months": "select (select sum(live) from live_claim_months as m where "
            "next_flow_month is null), (select count(*) - count(end_date) from claims)",
            # One row per claim and month it was paid in (grants have no claim).
            "fsf_recipient_months": "select (select sum(recipients) from fsf_recipient_months), "
            "(select count(*) from (select distinct claim_id, date_trunc('month', payment_date) "
            "from fsf_payments where claim_id is not null))",
            "fsf_job_entries": "select (select count(*) from fsf_job_entries), "
            "(select count(*) from job_entries)",
            "fsf_job_months": "select (select sum(job_entries) from fsf_job_months), "
            "(select count(*) from job_entries)",
            # Kaplan-Meier spells: every job entry and every claim once, ended or not.
            "job_survival_spells": "select (select sum(spells) from job_survival_spells), "
            "(select count(*) from job_entries)",
            "claim_survival_spells": "select (select sum(spells) from claim_survival_spells), "
            "(select count(*) from claims)",
            # One claim per month with a review (that month's latest), if some dimension is
            # scored in both it and a baseline dated no later.
            "review_months": "select (select sum(claims) from review_months), (select count(*) "
            "from (select distinct r.claim_id, date_trunc('month', r.assessment_date) "
            "from assessments as r join assessments as b on b.claim_id = r.claim_id "
            "and b.kind = 'baseline' and b.assessment_date <= r.assessment_date "
            "where r.kind = 'review' and not exists (select 1 from assessments as l "
            "where l.claim_id = r.claim_id and l.kind = 'review' "
            "and date_trunc('month', l.assessment_date) = date_trunc('month', r.assessment_date) "
            "and (l.assessment_date, l.assessment_id) > (r.assessment_date, r.assessment_id)) "
            "and (r.job_search + b.job_search is not null or r.work_skills + b.work_skills "
            "is not null or r.confidence + b.confidence is not null or r.health_wellbeing "
            "+ b.health_wellbeing is not null or r.stability + b.stability is not null)))",
        }[name]
    ).fetchone()
    assert counts[0] == counts[1] > 0


def test_payment_months_count_each_claim_once_a_month(sample_db) -> None:
    """Recipients: a claim-month of a claim paid by one office once, the others' kept whole."""
    con = connect_read_only(sample_db)
    counted, by_hand, shared, shared_by_hand = con.execute(
        "select (select sum(recipients) from payment_months), "
        "(select count(*) from (select distinct claim_id, date_trunc('month', payment_date) "
        "from fsf_payments where claim_id in (select claim_id from fsf_payments "
        "group by claim_id having count(distinct office_code) = 1))), "
        "(select count(*) from multi_office_claim_payments), "
        "(select count(*) from fsf_payments where claim_id in (select claim_id from "
        "fsf_payments group by claim_id having count(distinct office_code) > 1))"
    ).fetchone()
    assert counted == by_hand > 0
    assert shared == shared_by_hand


@pytest.mark.parametrize("name", SQL_FILES)
def test_sql_file_has_a_header_and_only_named_parameters(name: str) -> None:
    text = (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")
    assert text.startswith(f"-- {name}:"), "the header comment starts with the query's name"
    assert "Parameters:" in text
    assert sql_parameters(text) <= KNOWN_PARAMETERS
    body = "\n".join(line.split("--", 1)[0] for line in text.splitlines())
    assert not re.search(r"\?|\{|%s", body), "only $named parameters, never formatting holes"


@pytest.mark.parametrize("name", SQL_FILES)
def test_sql_file_runs_on_the_sample(name: str, sample_runner) -> None:
    if name in REPORTS:
        frame = sample_runner.report(name, Scope.national(), 5)
        assert frame.width > 0
    else:
        frame = sample_runner.run(sample_runner.default_request(name), **EXACT)
        assert frame.height > 0, f"{name} returns rows for the sample's default period"
    # Enumerations are ENUMs in the database; answers carry them as text, as Spark's do.
    assert not [c for c, t in frame.schema.items() if t in (pl.Categorical, pl.Enum)]


EXPORT_FILES = sorted(p.stem for p in (QUERIES_DIR / "export").glob("*.sql"))


def test_every_export_file_is_a_table_export_parquet_writes() -> None:
    """Written only where a table's export differs from the table (tests/test_facts.py)."""
    from jcp.extract.facts import exports

    assert sorted(e.table for e in exports() if e.query) == EXPORT_FILES
    assert sorted(e.query for e in exports() if e.query) == [f"export/{n}" for n in EXPORT_FILES]


@pytest.mark.parametrize("name", EXPORT_FILES)
def test_export_file_has_a_header_and_no_parameters(name: str) -> None:
    text = (QUERIES_DIR / "export" / f"{name}.sql").read_text(encoding="utf-8")
    assert text.startswith(f"-- {name}: exported:") and "Parameters: none" in text
    assert not sql_parameters(text)


def test_summaries_are_built_after_the_facts_they_read() -> None:
    from jcp.extract.facts import build_order

    order = build_order()
    assert sorted(order) == FACT_FILES
    for summary, source in [
        ("wfi_months", "wfi_facts"),
        ("job_entry_months", "job_entry_facts"),
        ("payment_months", "payment_facts"),
        ("multi_office_claim_payments", "payment_facts"),
        ("claim_months", "claim_flows"),
        ("deferred_wfi", "wfi_facts"),
        ("fsf_recipient_months", "payment_facts"),
        ("fsf_job_entries", "job_entry_facts"),
        ("fsf_job_months", "fsf_job_entries"),
    ]:
        assert order.index(summary) > order.index(source)


def test_an_event_tables_fact_table_reads_only_tables_validated_before_it() -> None:
    """wfi_facts and the like are built as soon as their event table is validated, from what the
    load has by then: the event table itself and the tables validated before it."""
    from jcp.extract.contract import TABLES
    from jcp.extract.facts import facts
    from jcp.extract.load import STORED_AS_FACTS

    order = [t.name for t in TABLES]
    reads = {fact.name: fact.reads for fact in facts()}
    for event, fact in STORED_AS_FACTS.items():
        assert event in reads[fact]
        assert set(reads[fact]) <= set(order[: order.index(event) + 1]), (fact, reads[fact])


def test_identifiers_are_stored_uncompressed_and_codes_compressed(sample_db) -> None:
    """Ids are nearly all distinct, so compressing them saved little and cost 0.8 s per 10M at
    load (docs/performance.md); codes repeat and stay compressed."""
    con = connect_read_only(sample_db)
    stored = con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where not internal and table_name in (select table_name from duckdb_tables())"
    ).fetchall()
    ids = {(t, c) for t, c, _ in stored if c.endswith(("_id", "_ref")) and c != "work_coach_ref"}
    # Every stored table with an id: the claims, assessments and the three event fact tables.
    with_rows = {"claims", "assessments", "wfi_facts", "job_entry_facts", "payment_facts"}
    assert {t for t, _ in ids} >= with_rows
    for table, column in sorted(ids):
        methods = {
            m
            for (m,) in con.execute(
                "select distinct compression from pragma_storage_info($t) "
                "where column_name = $c and segment_type = 'VARCHAR'",
                {"t": table, "c": column},
            ).fetchall()
        }
        # An empty table (no claim was paid by two offices in the sample) has no segments.
        expected = {"Uncompressed"} if table in with_rows else methods & {"Uncompressed"}
        assert methods == expected, (table, column, methods)
    office_methods = {
        m
        for (m,) in con.execute(
            "select distinct compression from pragma_storage_info('wfi_facts') "
            "where column_name = 'office_code' and segment_type = 'VARCHAR'"
        ).fetchall()
    }
    assert "Uncompressed" not in office_methods


def test_enumerations_are_stored_as_enums_in_text_order(sample_db) -> None:
    con = connect_read_only(sample_db)
    types = dict(
        con.execute(
            "select table_name || '.' || column_name, data_type from duckdb_columns() "
            "where data_type like 'ENUM%'"
        ).fetchall()
    )
    assert types["claims.benefit"] == "ENUM('ESA', 'IS', 'JSA', 'UC')"
    assert types["wfi_facts.benefit"] == types["wfi_months.benefit"] == types["claims.benefit"]
    assert types["wfi.outcome"] == (
        "ENUM('attended', 'deferred', 'failed_to_attend', 'pending', 'waived')"
    )
    assert types["fsf_payments.category"] == (
        "ENUM('childcare', 'clothing_equipment', 'licences_certification', 'other', "
        "'partnership_grant', 'training', 'travel')"
    )
    assert {name.split(".")[1] for name in types} == {
        "age_band",
        "benefit",
        "category",
        "claimant_group",
        "deferral_reason",
        "end_reason",
        "hours_band",
        "kind",
        "outcome",
    }
    # They sort as text, and a value outside the list matches nothing rather than failing.
    assert con.execute(
        "select list(distinct benefit order by benefit) = list(distinct benefit::varchar "
        "order by benefit::varchar), count(*) filter (where benefit = 'XX') from claims"
    ).fetchone() == (True, 0)


def _header(text: str) -> str:
    """A query file's leading comment lines, as one text."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].strip())
    return " ".join(lines)


def _documented(column: str, header: str) -> bool:
    # Per-dimension columns may be documented as a range, as their counts are.
    dimension_range = "claims_job_search_key .. claims_stability_key"
    return f"{column}" in header or (
        column.startswith("claims_") and column != "claims_key" and dimension_range in header
    )


@pytest.mark.parametrize("name", FACT_FILES)
def test_fact_table_headers_name_their_record_key_columns(name: str, sample_db) -> None:
    """Record keys and key sums are named in the header of the fact SQL that builds them."""
    header = _header((QUERIES_DIR / "facts" / f"{name}.sql").read_text(encoding="utf-8"))
    con = connect_read_only(sample_db)
    columns = [
        c
        for (c,) in con.execute(
            "select column_name from duckdb_columns() where table_name = $t", {"t": name}
        ).fetchall()
    ]
    keyed = [c for c in columns if c.endswith("_key") and c != "claim_key"]
    assert all(_documented(c, header) for c in keyed), (name, keyed)


@pytest.mark.parametrize("name", sorted(MEASURES))
def test_measure_headers_name_their_key_sums(name: str, sample_runner) -> None:
    header = _header((QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8"))
    request = sample_runner.default_request(name, by="office")
    wanted = sql_parameters((QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8"))
    params = sample_runner.parameters(request, EXACT["scope"])
    frame = sample_runner.engine.query(name, {k: v for k, v in params.items() if k in wanted})
    keyed = [c for c in frame.columns if c.endswith("_key")]
    assert all(_documented(c, header) for c in keyed), (name, keyed)
