"""What the database holds that requests are checked against: its districts, offices and date.

Read once when a runner opens the database (the catalogue report); the access list, the
sidebar's pickers and the runner's checks all use it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from jcp.measures.engines import as_engine
from jcp.measures.queries import Engine


class EmptyDatabase(ValueError):
    """The database holds no districts: nothing has been loaded into it."""


def _read_report(source: Engine | duckdb.DuckDBPyConnection, name: str) -> pl.DataFrame:
    """A report for the runner itself (the catalogue it checks requests against)."""
    return as_engine(source).query(name)


@dataclass(frozen=True)
class Catalogue:
    """What the database holds that requests are checked against."""

    extract_date: dt.date
    district_names: dict[str, str]  # district_code -> district_name
    office_districts: dict[str, str]  # office_code -> district_code
    office_names: dict[str, str]  # office_code -> office_name
    first_month: str | None = None  # month of the earliest claim, YYYY-MM

    @property
    def districts(self) -> tuple[str, ...]:
        return tuple(self.district_names)

    def __hash__(self) -> int:
        return hash((self.extract_date, tuple(self.office_districts.items())))


def read_catalogue(source: Engine | duckdb.DuckDBPyConnection) -> Catalogue:
    rows = _read_report(source, "catalogue").rows(named=True)
    if not rows:
        raise EmptyDatabase("the database holds no districts: load an extract first")
    offices = [r for r in rows if r["office_code"] is not None]
    return Catalogue(
        extract_date=rows[0]["extract_date"],
        district_names={r["district_code"]: r["district_name"] for r in rows},
        office_districts={r["office_code"]: r["district_code"] for r in offices},
        office_names={r["office_code"]: r["office_name"] for r in offices},
        first_month=rows[0]["first_month"],
    )
