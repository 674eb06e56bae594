"""Build tiny extract folders by hand for tests: rows as dicts, written as the contract says."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl
import pytest

from jcp.extract import contract
from jcp.extract.db import connect_read_only
from jcp.extract.load import load
from jcp.measures.access import Scope
from jcp.measures.engines import open_engine
from jcp.measures.export import export_parquet
from jcp.measures.runner import Runner

EXTRACT_DATE = "2026-10-31"
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def write_extract(
    folder: Path,
    tables: dict[str, list[dict]],
    extract_date: str = EXTRACT_DATE,
    source: str = "hand-built test extract",
) -> Path:
    """Write every contract table as CSV (missing ones empty) plus extract.toml."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "extract.toml").write_text(
        f'extract_date = "{extract_date}"\nsource = "{source}"\n', encoding="utf-8"
    )
    for table in contract.TABLES:
        with (folder / f"{table.name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=table.column_names)
            writer.writeheader()
            for row in tables.get(table.name, []):
                writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return folder


def district(code: str, name: str = "", region: str = "North West") -> dict:
    return {"district_code": code, "district_name": name or f"District {code}", "region": region}


def office(code: str, district_code: str, name: str = "") -> dict:
    return {
        "office_code": code,
        "office_name": name or f"Office {code}",
        "district_code": district_code,
    }


def claim(
    claim_id: str,
    office_code: str,
    start_date: str = "2026-01-05",
    benefit: str = "UC",
    claimant_group: str = "health_condition",
    end_date: str | None = None,
    end_reason: str | None = None,
    work_coach_ref: str | None = "WC01",
    age_band: str = "25-49",
) -> dict:
    return {
        "claim_id": claim_id,
        "claimant_ref": f"P-{claim_id}",
        "office_code": office_code,
        "benefit": benefit,
        "claimant_group": claimant_group,
        "age_band": age_band,
        "start_date": start_date,
        "end_date": end_date,
        "end_reason": end_reason,
        "work_coach_ref": work_coach_ref,
    }


def wfi(
    claim_id: str,
    due_date: str = "2026-01-12",
    outcome: str = "attended",
    deferral_reason: str | None = None,
    deferred_until: str | None = None,
    held_date: str | None = None,
) -> dict:
    if outcome == "attended" and held_date is None:
        held_date = due_date
    return {
        "claim_id": claim_id,
        "due_date": due_date,
        "outcome": outcome,
        "deferral_reason": deferral_reason,
        "deferred_until": deferred_until,
        "held_date": held_date,
    }


def assessment(
    assessment_id: str,
    claim_id: str,
    assessment_date: str = "2026-02-01",
    kind: str = "baseline",
    scores: tuple = (5, 5, 5, 5, 5),
) -> dict:
    row = {
        "assessment_id": assessment_id,
        "claim_id": claim_id,
        "assessment_date": assessment_date,
        "kind": kind,
    }
    row.update(dict(zip(contract.SCORE_COLUMNS, scores, strict=True)))
    return row


def job_entry(
    job_entry_id: str,
    claim_id: str,
    start_date: str = "2026-03-02",
    end_date: str | None = None,
    hours_band: str = "30_plus",
) -> dict:
    return {
        "job_entry_id": job_entry_id,
        "claim_id": claim_id,
        "start_date": start_date,
        "end_date": end_date,
        "hours_band": hours_band,
    }


def payment(
    payment_id: str,
    office_code: str,
    claim_id: str | None,
    payment_date: str = "2026-02-10",
    amount_gbp: str = "25.00",
    category: str = "travel",
) -> dict:
    return {
        "payment_id": payment_id,
        "office_code": office_code,
        "claim_id": claim_id,
        "payment_date": payment_date,
        "amount_gbp": amount_gbp,
        "category": category,
    }


def budget(district_code: str, financial_year: str, allocation_gbp: str) -> dict:
    return {
        "district_code": district_code,
        "financial_year": financial_year,
        "allocation_gbp": allocation_gbp,
    }


# The geography of the hand-worked measure tests: three districts, D01 with two offices.
GEOGRAPHY: dict[str, list[dict]] = {
    "districts": [district("D01"), district("D02"), district("D03")],
    "offices": [
        office("D01-O01", "D01"),
        office("D01-O02", "D01"),
        office("D02-O01", "D02"),
        office("D03-O01", "D03"),
    ],
}


def valid_tables() -> dict[str, list[dict]]:
    """A small extract that breaks no rule: one row or more of every kind."""
    return {
        "districts": [district("D01"), district("D02")],
        "offices": [office("D01-O01", "D01"), office("D01-O02", "D01"), office("D02-O01", "D02")],
        "claims": [
            claim("C1", "D01-O01"),
            claim("C2", "D01-O02", benefit="JSA", claimant_group="jobseeker"),
            claim("C3", "D02-O01", end_date="2026-04-01", end_reason="job_entry"),
        ],
        "wfi": [
            wfi("C1", outcome="deferred", deferral_reason="illness", deferred_until="2026-02-20"),
            wfi("C2"),
            wfi("C3", outcome="waived"),
        ],
        "assessments": [
            assessment("A1", "C1"),
            assessment("A2", "C1", assessment_date="2026-05-01", kind="review"),
        ],
        "job_entries": [job_entry("J1", "C3", start_date="2026-04-01")],
        "fsf_payments": [
            payment("F1", "D01-O01", "C1"),
            payment("F2", "D02-O01", None, amount_gbp="5000.00", category="partnership_grant"),
        ],
        "fsf_budgets": [budget("D01", "2025-26", "100000.00"), budget("D02", "2026-27", "80000")],
    }


# Measure definitions are checked on exact figures: a national view without disclosure control.
EXACT = {"scope": Scope.national(), "unsuppressed": True}


def split_sample(out: Path, districts: set[str]) -> Path:
    """The sample extract cut down to some districts, as that part of the country sends it."""
    folder = out / "-".join(sorted(districts))
    folder.mkdir(parents=True)
    read = {p.stem: pl.read_csv(p, infer_schema=False) for p in SAMPLE.glob("*.csv")}
    offices = read["offices"].filter(pl.col("district_code").is_in(districts))
    claims = read["claims"].filter(pl.col("office_code").is_in(offices["office_code"].to_list()))
    kept = {
        "districts": read["districts"].filter(pl.col("district_code").is_in(districts)),
        "offices": offices,
        "fsf_budgets": read["fsf_budgets"].filter(pl.col("district_code").is_in(districts)),
        "claims": claims,
        "fsf_payments": read["fsf_payments"].filter(
            pl.col("office_code").is_in(offices["office_code"].to_list())
        ),
    }
    for name in ("wfi", "assessments", "job_entries"):
        kept[name] = read[name].filter(pl.col("claim_id").is_in(claims["claim_id"].to_list()))
    for name, frame in kept.items():
        frame.write_csv(folder / f"{name}.csv")
    (folder / "extract.toml").write_bytes((SAMPLE / "extract.toml").read_bytes())
    return folder


def load_apart_export_together(extracts: list[Path], out: Path) -> list[Path]:
    """Each extract validated into a database of its own beside it (as each part of the country
    loads its own), every one exported into OUT: the national layout. Returns the databases."""
    databases = []
    for extract in extracts:
        db = extract.with_suffix(".duckdb")
        assert load(extract, db).total_rejected == 0  # each holds everything its rows refer to
        con = connect_read_only(db)
        try:
            export_parquet(con, out, source=str(db))
        finally:
            con.close()
        databases.append(db)
    return databases


def paid_by_two_offices_in_two_districts(folder: Path) -> Path:
    """D01 and D02 loaded apart and exported together into FOLDER/national (returned), each with
    one claim (A1, B1) paid once by each of the district's two offices. Each database's first
    claim has row number 0, so a layout keyed by row number would count A1 and B1 as one."""
    extracts = []
    for code, claim_id in (("D01", "A1"), ("D02", "B1")):
        tables = {
            "districts": [district(code)],
            "offices": [office(f"{code}-O01", code), office(f"{code}-O02", code)],
            "claims": [claim(claim_id, f"{code}-O01", "2025-01-01", "UC", "health_condition")],
            "fsf_payments": [
                payment(f"{claim_id}-1", f"{code}-O01", claim_id, "2026-01-10"),
                payment(f"{claim_id}-2", f"{code}-O02", claim_id, "2026-02-10"),
            ],
        }
        extracts.append(write_extract(folder / code, tables))
    out = folder / "national"
    for db in load_apart_export_together(extracts, out):
        con = connect_read_only(db)
        try:  # both payments of the claim are a multi-office claim's, in each database
            assert con.execute("select count(*) from multi_office_claim_payments").fetchone() == (
                2,
            )
        finally:
            con.close()
    return out


@contextmanager
def runner_for(folder: Path, tables: dict[str, list[dict]]) -> Iterator[Runner]:
    """Write, load and open a hand-built extract; every row of it must be accepted."""
    load(write_extract(folder / "extract", tables), folder / "db.duckdb")
    con = duckdb.connect(str(folder / "db.duckdb"), read_only=True)
    try:
        accepted = dict(con.execute("select table_name, accepted from loads").fetchall())
        assert con.execute("select count(*) from rejects").fetchone() == (0,)
        assert {name: accepted[name] for name in tables} == {
            name: len(rows) for name, rows in tables.items()
        }
        if os.environ.get("JCP_TEST_ENGINE") == "spark":
            # The same hand-checked figures from the Spark engine (README, "Tests"): slow, so
            # make test runs a sample of them (tests/test_spark.py) and this on request.
            from jcp.measures.spark import SparkEngine

            export_parquet(con, folder / "parquet")
            yield Runner(SparkEngine(folder / "parquet"))
        elif os.environ.get("JCP_TEST_ENGINE") == "parquet":
            # ... and from DuckDB over the same export (tests/test_parquet_engine.py).
            export_parquet(con, folder / "parquet")
            engine = open_engine("parquet", parquet=folder / "parquet")
            try:
                yield Runner(engine)
            finally:
                engine.close()
        else:
            yield Runner(con)
    finally:
        con.close()


def approx_rows(rows: list[dict]) -> list:
    return [pytest.approx(row) for row in rows]
