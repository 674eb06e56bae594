"""Every contract rule: a violating row lands in rejects with that rule; its neighbours load."""

from __future__ import annotations

import json

import duckdb
import pytest
from extracts import (
    assessment,
    budget,
    claim,
    job_entry,
    office,
    payment,
    valid_tables,
    wfi,
    write_extract,
)

from jcp.extract import contract
from jcp.extract.load import validate_into


def _set(row: dict, **changes) -> dict:
    return {**row, **changes}


C = "D01-O01"

# rule id -> (table the bad row goes to, the bad row, extra rows needed elsewhere)
VIOLATIONS: dict[str, tuple[str, dict, dict[str, list[dict]]]] = {
    "districts.district_code.required": (
        "districts",
        {"district_code": "", "district_name": "X", "region": "Y"},
        {},
    ),
    "districts.district_name.required": (
        "districts",
        {"district_code": "D09", "district_name": "", "region": "Y"},
        {},
    ),
    "districts.region.required": (
        "districts",
        {"district_code": "D09", "district_name": "X", "region": None},
        {},
    ),
    "districts.unique": (
        "districts",
        {"district_code": "D01", "district_name": "X", "region": "Y"},
        {},
    ),
    "offices.office_code.required": ("offices", office("", "D01"), {}),
    "offices.office_name.required": ("offices", office("D01-O09", "D01") | {"office_name": ""}, {}),
    "offices.district_code.required": ("offices", office("D01-O09", ""), {}),
    "offices.district_code.exists": ("offices", office("D09-O01", "D09"), {}),
    "offices.district_code.parent_rejected": (
        "offices",
        office("D08-O01", "D08"),
        {"districts": [{"district_code": "D08", "district_name": "", "region": "Y"}]},
    ),
    "offices.unique": ("offices", office("D01-O01", "D02"), {}),
    "claims.claim_id.required": ("claims", claim("", C), {}),
    "claims.claimant_ref.required": ("claims", claim("C9", C) | {"claimant_ref": ""}, {}),
    "claims.office_code.required": ("claims", claim("C9", ""), {}),
    "claims.benefit.required": ("claims", claim("C9", C, benefit=""), {}),
    "claims.benefit.allowed": ("claims", claim("C9", C, benefit="PIP"), {}),
    "claims.claimant_group.required": ("claims", claim("C9", C, claimant_group=""), {}),
    "claims.claimant_group.allowed": ("claims", claim("C9", C, claimant_group="student"), {}),
    "claims.age_band.required": ("claims", claim("C9", C, age_band=""), {}),
    "claims.age_band.allowed": ("claims", claim("C9", C, age_band="65+"), {}),
    "claims.start_date.type": ("claims", claim("C9", C, start_date="05/01/2026"), {}),
    "claims.start_date.range": ("claims", claim("C9", C, start_date="1999-12-31"), {}),
    "claims.start_date.required": ("claims", claim("C9", C, start_date=""), {}),
    "claims.end_date.type": (
        "claims",
        claim("C9", C, end_date="2026-02-30", end_reason="other"),
        {},
    ),
    "claims.end_date.range": (
        "claims",
        claim("C9", C, end_date="0202-02-01", end_reason="other"),
        {},
    ),
    "claims.end_reason.allowed": (
        "claims",
        claim("C9", C, end_date="2026-02-01", end_reason="moved"),
        {},
    ),
    "claims.office_code.exists": ("claims", claim("C9", "D01-O77"), {}),
    "claims.office_code.parent_rejected": (
        "claims",
        claim("C9", "D01-O08"),
        {"offices": [office("D01-O08", "D01") | {"office_name": ""}]},
    ),
    "claims.start_after_extract": ("claims", claim("C9", C, start_date="2026-11-01"), {}),
    "claims.end_before_start": (
        "claims",
        claim("C9", C, end_date="2026-01-04", end_reason="other"),
        {},
    ),
    "claims.end_after_extract": (
        "claims",
        claim("C9", C, end_date="2026-11-01", end_reason="other"),
        {},
    ),
    "claims.end_reason_without_end": ("claims", claim("C9", C, end_reason="job_entry"), {}),
    "claims.unique": ("claims", claim("C1", "D02-O01"), {}),
    "wfi.claim_id.required": ("wfi", wfi(""), {}),
    "wfi.due_date.type": ("wfi", wfi("C9", due_date="2026-1-12"), {"claims": [claim("C9", C)]}),
    "wfi.due_date.range": (
        "wfi",
        wfi("C9", due_date="1900-01-01", held_date="2026-01-12"),
        {"claims": [claim("C9", C)]},
    ),
    "wfi.due_date.required": (
        "wfi",
        wfi("C9", due_date="") | {"held_date": "2026-01-12"},
        {"claims": [claim("C9", C)]},
    ),
    "wfi.outcome.required": ("wfi", wfi("C9", outcome=""), {"claims": [claim("C9", C)]}),
    "wfi.outcome.allowed": ("wfi", wfi("C9", outcome="cancelled"), {"claims": [claim("C9", C)]}),
    "wfi.deferral_reason.allowed": (
        "wfi",
        wfi("C9", outcome="deferred", deferral_reason="holiday", deferred_until="2026-02-01"),
        {"claims": [claim("C9", C)]},
    ),
    "wfi.deferred_until.type": (
        "wfi",
        wfi("C9", outcome="deferred", deferral_reason="illness", deferred_until="soon"),
        {"claims": [claim("C9", C)]},
    ),
    "wfi.deferred_until.range": (
        "wfi",
        # The extract is of 2026-10-31: a deferral may run to 2027-10-31, not a day longer.
        wfi("C9", outcome="deferred", deferral_reason="illness", deferred_until="2027-11-01"),
        {"claims": [claim("C9", C)]},
    ),
    "wfi.held_date.type": (
        "wfi",
        wfi("C9", held_date="2026-01-12T10:00"),
        {"claims": [claim("C9", C)]},
    ),
    "wfi.held_date.range": ("wfi", wfi("C9", held_date="1999-01-12"), {"claims": [claim("C9", C)]}),
    "wfi.claim_id.exists": ("wfi", wfi("C404"), {}),
    "wfi.claim_id.parent_rejected": ("wfi", wfi("C8"), {"claims": [claim("C8", C, benefit="X")]}),
    "wfi.jsa_not_deferrable": (
        "wfi",
        wfi("C9", outcome="waived"),
        {"claims": [claim("C9", C, benefit="JSA", claimant_group="jobseeker")]},
    ),
    "wfi.due_before_claim": ("wfi", wfi("C9", due_date="2026-01-04"), {"claims": [claim("C9", C)]}),
    "wfi.due_after_extract": (
        "wfi",
        wfi("C9", outcome="pending", due_date="2026-11-02"),
        {"claims": [claim("C9", C)]},
    ),
    "wfi.deferral_reason": (
        "wfi",
        wfi("C9", outcome="deferred", deferred_until="2026-02-01"),
        {"claims": [claim("C9", C)]},
    ),
    "wfi.deferred_until": (
        "wfi",
        wfi("C9", outcome="waived", deferred_until="2026-02-01"),
        {"claims": [claim("C9", C)]},
    ),
    "wfi.deferred_until_order": (
        "wfi",
        wfi("C9", outcome="deferred", deferral_reason="hospital", deferred_until="2026-01-12"),
        {"claims": [claim("C9", C)]},
    ),
    "wfi.held_date_outcome": (
        "wfi",
        wfi("C9", outcome="failed_to_attend", held_date="2026-01-20"),
        {"claims": [claim("C9", C)]},
    ),
    "wfi.held_before_due": ("wfi", wfi("C9", held_date="2026-01-11"), {"claims": [claim("C9", C)]}),
    "wfi.held_after_extract": (
        "wfi",
        wfi("C9", held_date="2026-11-01"),
        {"claims": [claim("C9", C)]},
    ),
    "wfi.unique": ("wfi", wfi("C2", due_date="2026-01-20"), {}),
    "assessments.assessment_id.required": ("assessments", assessment("", "C2"), {}),
    "assessments.claim_id.required": ("assessments", assessment("A9", ""), {}),
    "assessments.assessment_date.type": (
        "assessments",
        assessment("A9", "C2", assessment_date="2026/02/01"),
        {},
    ),
    "assessments.assessment_date.range": (
        "assessments",
        assessment("A9", "C2", assessment_date="1999-02-01"),
        {},
    ),
    "assessments.assessment_date.required": (
        "assessments",
        assessment("A9", "C2", assessment_date=""),
        {},
    ),
    "assessments.kind.required": ("assessments", assessment("A9", "C2", kind=""), {}),
    "assessments.kind.allowed": ("assessments", assessment("A9", "C2", kind="exit"), {}),
    **{
        f"assessments.{score}.type": (
            "assessments",
            assessment("A9", "C2") | {score: "7.5"},
            {},
        )
        for score in contract.SCORE_COLUMNS
    },
    "assessments.claim_id.exists": ("assessments", assessment("A9", "C404"), {}),
    "assessments.claim_id.parent_rejected": (
        "assessments",
        assessment("A9", "C8"),
        {"claims": [claim("C8", C, age_band="")]},
    ),
    "assessments.before_claim": (
        "assessments",
        assessment("A9", "C2", assessment_date="2026-01-01"),
        {},
    ),
    "assessments.after_extract": (
        "assessments",
        assessment("A9", "C2", assessment_date="2026-11-30"),
        {},
    ),
    "assessments.score_range": (
        "assessments",
        assessment("A9", "C2", scores=(5, 11, None, None, None)),
        {},
    ),
    "assessments.no_scores": (
        "assessments",
        assessment("A9", "C2", scores=(None, None, None, None, None)),
        {},
    ),
    "assessments.unique": ("assessments", assessment("A1", "C2"), {}),
    "assessments.second_baseline": (
        "assessments",
        assessment("A9", "C1", assessment_date="2026-03-01"),
        {},
    ),
    "job_entries.job_entry_id.required": ("job_entries", job_entry("", "C1"), {}),
    "job_entries.claim_id.required": ("job_entries", job_entry("J9", ""), {}),
    "job_entries.start_date.type": ("job_entries", job_entry("J9", "C1", start_date="March"), {}),
    "job_entries.start_date.range": (
        "job_entries",
        job_entry("J9", "C1", start_date="0001-01-01"),
        {},
    ),
    "job_entries.start_date.required": ("job_entries", job_entry("J9", "C1", start_date=""), {}),
    "job_entries.end_date.type": ("job_entries", job_entry("J9", "C1", end_date="2026-13-01"), {}),
    "job_entries.end_date.range": ("job_entries", job_entry("J9", "C1", end_date="1999-12-31"), {}),
    "job_entries.hours_band.required": ("job_entries", job_entry("J9", "C1", hours_band=""), {}),
    "job_entries.hours_band.allowed": ("job_entries", job_entry("J9", "C1", hours_band="40"), {}),
    "job_entries.claim_id.exists": ("job_entries", job_entry("J9", "C404"), {}),
    "job_entries.claim_id.parent_rejected": (
        "job_entries",
        job_entry("J9", "C8"),
        {"claims": [claim("C8", C, start_date="2026-12-01")]},
    ),
    "job_entries.before_claim": ("job_entries", job_entry("J9", "C1", start_date="2026-01-04"), {}),
    "job_entries.start_after_extract": (
        "job_entries",
        job_entry("J9", "C1", start_date="2026-11-01"),
        {},
    ),
    "job_entries.end_before_start": (
        "job_entries",
        job_entry("J9", "C1", start_date="2026-03-02", end_date="2026-03-01"),
        {},
    ),
    "job_entries.end_after_extract": (
        "job_entries",
        job_entry("J9", "C1", end_date="2027-01-01"),
        {},
    ),
    "job_entries.unique": ("job_entries", job_entry("J1", "C1"), {}),
    "fsf_payments.payment_id.required": ("fsf_payments", payment("", C, "C1"), {}),
    "fsf_payments.office_code.required": ("fsf_payments", payment("F9", "", "C1"), {}),
    "fsf_payments.payment_date.type": (
        "fsf_payments",
        payment("F9", C, "C1", payment_date="10 Feb 2026"),
        {},
    ),
    "fsf_payments.payment_date.range": (
        "fsf_payments",
        payment("F9", C, "C1", payment_date="1999-12-31"),
        {},
    ),
    "fsf_payments.payment_date.required": (
        "fsf_payments",
        payment("F9", C, "C1", payment_date=""),
        {},
    ),
    "fsf_payments.amount_gbp.type": (
        "fsf_payments",
        payment("F9", C, "C1", amount_gbp="12.345"),
        {},
    ),
    "fsf_payments.amount_gbp.required": ("fsf_payments", payment("F9", C, "C1", amount_gbp=""), {}),
    "fsf_payments.category.required": ("fsf_payments", payment("F9", C, "C1", category=""), {}),
    "fsf_payments.category.allowed": ("fsf_payments", payment("F9", C, "C1", category="food"), {}),
    "fsf_payments.office_code.exists": ("fsf_payments", payment("F9", "D05-O01", "C1"), {}),
    "fsf_payments.office_code.parent_rejected": (
        "fsf_payments",
        payment("F9", "D03-O01", "C1"),
        {"offices": [office("D03-O01", "D03")]},
    ),
    "fsf_payments.claim_id.exists": ("fsf_payments", payment("F9", C, "C404"), {}),
    "fsf_payments.claim_id.parent_rejected": (
        "fsf_payments",
        payment("F9", C, "C8"),
        {"claims": [claim("C8", C, claimant_group="pensioner")]},
    ),
    "fsf_payments.after_extract": (
        "fsf_payments",
        payment("F9", C, "C1", payment_date="2026-11-01"),
        {},
    ),
    "fsf_payments.amount_range": (
        "fsf_payments",
        payment("F9", C, "C1", amount_gbp="10000.01"),
        {},
    ),
    "fsf_payments.claim_for_category": (
        "fsf_payments",
        payment("F9", C, None, category="travel"),
        {},
    ),
    "fsf_payments.unique": ("fsf_payments", payment("F1", C, "C2"), {}),
    "fsf_budgets.district_code.required": ("fsf_budgets", budget("", "2025-26", "10"), {}),
    "fsf_budgets.financial_year.required": ("fsf_budgets", budget("D02", "", "10"), {}),
    "fsf_budgets.allocation_gbp.type": ("fsf_budgets", budget("D02", "2025-26", "£10"), {}),
    "fsf_budgets.allocation_gbp.required": ("fsf_budgets", budget("D02", "2025-26", ""), {}),
    "fsf_budgets.district_code.exists": ("fsf_budgets", budget("D07", "2025-26", "10"), {}),
    "fsf_budgets.district_code.parent_rejected": (
        "fsf_budgets",
        budget("D08", "2025-26", "10"),
        {"districts": [{"district_code": "D08", "district_name": "X", "region": ""}]},
    ),
    "fsf_budgets.financial_year_format": ("fsf_budgets", budget("D02", "2025-27", "10"), {}),
    "fsf_budgets.allocation_positive": ("fsf_budgets", budget("D02", "2025-26", "0.00"), {}),
    "fsf_budgets.unique": ("fsf_budgets", budget("D01", "2025-26", "5.00"), {}),
}


def test_every_contract_rule_has_a_violation_case() -> None:
    assert sorted(set(contract.all_rule_ids()) - set(VIOLATIONS)) == []
    assert sorted(set(VIOLATIONS) - set(contract.all_rule_ids())) == []


@pytest.fixture
def con():
    """A fresh in-memory DuckDB database."""
    connection = duckdb.connect(":memory:")
    yield connection
    connection.close()


@pytest.mark.parametrize("rule_id", list(VIOLATIONS))
def test_violating_row_is_rejected_with_its_rule(rule_id: str, tmp_path, con) -> None:
    table, bad_row, extras = VIOLATIONS[rule_id]
    tables = valid_tables()
    for extra_table, rows in extras.items():
        tables[extra_table] = tables[extra_table] + rows
    tables[table] = tables[table] + [bad_row]
    good_rows = len(valid_tables()[table]) + len(extras.get(table, []))
    validate_into(con, write_extract(tmp_path / "extract", tables))

    rejects = con.execute(
        "select table_name, source_file, source_row, rule_id, rule, raw from rejects "
        "where table_name = $t",
        {"t": table},
    ).fetchall()
    assert len(rejects) == 1, rejects
    table_name, source_file, source_row, got_rule, rule_text, raw = rejects[0]
    assert (table_name, source_file, got_rule) == (table, f"{table}.csv", rule_id)
    # The bad row is the last data row: header is line 1, so it is on line good_rows + 2.
    assert source_row == good_rows + 2
    assert rule_text and rule_text[0].isalpha()
    original = json.loads(raw)
    assert original == {k: (None if v in ("", None) else str(v)) for k, v in bad_row.items()}
    accepted = len(con.table(table).fetchall())
    assert accepted == good_rows
    # Other tables lose nothing except the parent rows a case broke on purpose.
    for other in contract.TABLES:
        if other.name == table:
            continue
        expected = len(tables[other.name])
        rejected_here = con.execute(
            "select count(*) from rejects where table_name = $t", {"t": other.name}
        ).fetchall()[0][0]
        loaded = len(con.table(other.name).fetchall())
        assert loaded + rejected_here == expected


# (table, row) on the edge of the date range: every date on the first day the contract allows,
# and a deferral running exactly one year past the extract of 2026-10-31.
EDGE_ROWS = {
    "claims": claim("C9", C, start_date="2000-01-01", end_date="2000-01-01", end_reason="other"),
    "wfi": wfi(
        "C1",
        due_date="2000-01-01",
        outcome="deferred",
        deferral_reason="illness",
        deferred_until="2027-10-31",
    ),
    "assessments": assessment("A9", "C2", assessment_date="2000-01-01"),
    "job_entries": job_entry("J9", "C2", start_date="2000-01-01", end_date="2000-01-01"),
    "fsf_payments": payment("F9", C, "C2", payment_date="2000-01-01"),
}


def test_dates_on_the_edge_of_the_range_load(tmp_path, con) -> None:
    tables = valid_tables()
    # C1 and C2 start in 2000 here, so their events on 2000-01-01 are not before the claim.
    tables["claims"] = [
        claim("C1", C, start_date="2000-01-01"),
        claim("C2", "D01-O02", start_date="2000-01-01"),
        *tables["claims"][2:],
        EDGE_ROWS["claims"],
    ]
    tables["wfi"] = [EDGE_ROWS["wfi"], *tables["wfi"][1:]]
    for name in ("assessments", "job_entries", "fsf_payments"):
        tables[name] = tables[name] + [EDGE_ROWS[name]]
    validate_into(con, write_extract(tmp_path / "extract", tables))
    assert con.execute("select rule_id, raw from rejects").fetchall() == []
    deferred = con.execute("select deferred_until::varchar from wfi where claim_id = 'C1'")
    assert deferred.fetchall() == [("2027-10-31",)]


def test_typed_parquet_dates_are_range_checked(tmp_path, con) -> None:
    """A Parquet date column skips the type rule, never the range rule."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = write_extract(tmp_path / "extract", valid_tables())
    (folder / "fsf_payments.csv").unlink()
    pq.write_table(
        pa.table(
            {
                "payment_id": ["F1", "F2"],
                "office_code": [C, C],
                "claim_id": ["C1", "C1"],
                "payment_date": pa.array([dt.date(2026, 2, 10), dt.date(1, 1, 1)], pa.date32()),
                "amount_gbp": ["25.00", "25.00"],
                "category": ["travel", "travel"],
            }
        ),
        folder / "fsf_payments.parquet",
    )
    validate_into(con, folder)
    assert con.execute("select source_row, rule_id from rejects").fetchall() == [
        (2, "fsf_payments.payment_date.range")
    ]
