"""The one measure runner: a request in, the SQL in queries/ run with bound parameters, a frame out.

Pages, CSV exports, the `measure` command and the benchmark all call `Runner.run`, so a figure
can never differ between them. Steps, in order: check the request against the database,
narrow it to the caller's scope, run the measure's SQL file, complete the grouping (every
district/office/month the filters allow gets a row), then apply disclosure control.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from jcp import contract

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"

GROUPINGS = ("total", "district", "office", "month")
# The only identifiers a grouping can bring into a result: an allow-list, never input.
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "total": (),
    "district": ("district_code",),
    "office": ("district_code", "office_code"),
    "month": ("month",),
}
ALL_KEYS = ("district_code", "office_code", "month")
MONTH_PATTERN = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class Measure:
    name: str
    grouped: bool = True  # takes `by` and returns its key columns
    complete: bool = True  # every group the filters allow appears, zero-filled

    @property
    def sql_path(self) -> Path:
        return QUERIES_DIR / f"{self.name}.sql"


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure("deferrals"),
        Measure("deferral_reasons", complete=False),
        Measure("overdue_deferrals", grouped=False, complete=False),
        Measure("job_entries"),
        Measure("distance_travelled"),
        Measure("fsf_spend"),
        Measure("fsf_categories", complete=False),
        Measure("fsf_budget", grouped=False, complete=False),
        Measure("caseload"),
    )
}


class RequestError(ValueError):
    """A request the runner cannot answer; the message is one plain sentence for the user."""


@dataclass(frozen=True)
class MeasureRequest:
    """Everything that determines a result; frozen so it can key a cache."""

    measure: str
    period_from: str  # YYYY-MM, inclusive
    period_to: str  # YYYY-MM, inclusive
    by: str = "total"
    districts: tuple[str, ...] = ()  # empty = all
    offices: tuple[str, ...] = ()
    benefits: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


def month_start(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:7]), 1)


def month_end(month: str) -> dt.date:
    year, mon = int(month[:4]), int(month[5:7])
    return dt.date(year, mon, calendar.monthrange(year, mon)[1])


def months_between(first: str, last: str) -> list[str]:
    start, end = month_start(first), month_start(last)
    months = []
    while start <= end:
        months.append(f"{start:%Y-%m}")
        start = (start + dt.timedelta(days=32)).replace(day=1)
    return months


def shift_months(month: str, delta: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def default_period(extract_date: dt.date) -> tuple[str, str]:
    """The 12 whole months ending with the extract date's month."""
    last = f"{extract_date:%Y-%m}"
    return shift_months(last, -11), last


@cache
def measure_sql(name: str) -> str:
    return MEASURES[name].sql_path.read_text(encoding="utf-8")


def sql_parameters(sql: str) -> set[str]:
    # Header comments name parameters too; only the statement's own count.
    body = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return set(re.findall(r"\$([a-z_]+)", body))


@dataclass(frozen=True)
class Catalogue:
    """What the database holds that requests are checked against."""

    extract_date: dt.date
    districts: tuple[str, ...]
    office_districts: dict[str, str]  # office_code -> district_code

    def __hash__(self) -> int:
        return hash((self.extract_date, self.districts, tuple(self.office_districts.items())))


def read_catalogue(con: duckdb.DuckDBPyConnection) -> Catalogue:
    cursor = con.cursor()
    try:
        extract_date = cursor.execute("select max(extract_date) from loads").fetchone()[0]
        districts = tuple(
            r[0]
            for r in cursor.execute("select district_code from districts order by 1").fetchall()
        )
        offices = dict(
            cursor.execute("select office_code, district_code from offices order by 1").fetchall()
        )
    finally:
        cursor.close()
    return Catalogue(extract_date, districts, offices)


class Runner:
    """Runs measure requests against one DuckDB database, one cursor per query."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        postprocess: Callable[[MeasureRequest, pl.DataFrame], pl.DataFrame] | None = None,
    ) -> None:
        self.con = con
        self.catalogue = read_catalogue(con)
        self.postprocess = postprocess

    @property
    def extract_date(self) -> dt.date:
        return self.catalogue.extract_date

    def default_request(self, measure: str, **changes) -> MeasureRequest:
        first, last = default_period(self.extract_date)
        return replace(MeasureRequest(measure, first, last), **changes)

    def check(self, request: MeasureRequest) -> None:
        """Raise RequestError with one clear sentence when the request cannot be answered."""
        if request.measure not in MEASURES:
            raise RequestError(
                f"unknown measure {request.measure!r}; choose from {', '.join(MEASURES)}"
            )
        for label, month in (("from", request.period_from), ("to", request.period_to)):
            if not MONTH_PATTERN.fullmatch(month or ""):
                raise RequestError(f"{label} month {month!r} is not a month written YYYY-MM")
        if request.period_from > request.period_to:
            raise RequestError(
                f"from month {request.period_from} is after to month {request.period_to}"
            )
        if request.by not in GROUPINGS:
            raise RequestError(
                f"unknown grouping {request.by!r}; choose from {', '.join(GROUPINGS)}"
            )
        known = {
            "district": set(self.catalogue.districts),
            "office": set(self.catalogue.office_districts),
            "benefit": set(contract.BENEFITS),
            "claimant group": set(contract.CLAIMANT_GROUPS),
        }
        asked = {
            "district": request.districts,
            "office": request.offices,
            "benefit": request.benefits,
            "claimant group": request.groups,
        }
        for label, values in asked.items():
            unknown = sorted(set(values) - known[label])
            if unknown:
                raise RequestError(f"unknown {label} code(s): {', '.join(unknown)}")

    def parameters(self, request: MeasureRequest) -> dict[str, object]:
        def as_filter(values: tuple[str, ...]) -> list[str] | None:
            return sorted(values) if values else None  # NULL in SQL means "no filter"

        return {
            "by": request.by,
            "period_start": month_start(request.period_from),
            "period_end": month_end(request.period_to),
            "extract_date": self.extract_date,
            "districts": as_filter(request.districts),
            "offices": as_filter(request.offices),
            "benefits": as_filter(request.benefits),
            "groups": as_filter(request.groups),
        }

    def run(self, request: MeasureRequest) -> pl.DataFrame:
        self.check(request)
        measure = MEASURES[request.measure]
        sql = measure_sql(measure.name)
        wanted = sql_parameters(sql)
        params = {k: v for k, v in self.parameters(request).items() if k in wanted}
        cursor = self.con.cursor()
        try:
            frame = cursor.sql(sql, params=params).pl()
        finally:
            cursor.close()
        if measure.grouped:
            frame = self._shape_groups(frame, request, measure)
        if self.postprocess is not None:
            frame = self.postprocess(request, frame)
        return frame

    def _shape_groups(
        self, frame: pl.DataFrame, request: MeasureRequest, measure: Measure
    ) -> pl.DataFrame:
        keys = list(KEY_COLUMNS[request.by])
        frame = frame.drop([k for k in ALL_KEYS if k not in keys])
        if measure.complete:
            spine = self.spine(request)
            if keys:
                frame = spine.join(frame, on=keys, how="left", nulls_equal=True)
            elif frame.height == 0:
                frame = pl.concat([frame, frame.clear(1)], how="vertical")
            # Counts and money sums are integer or decimal: no activity means 0. Rates, means
            # and medians are floating point and stay empty when there is no population.
            fill = [
                pl.col(name).fill_null(0)
                for name, dtype in frame.schema.items()
                if name not in keys and (dtype.is_integer() or dtype.is_decimal())
            ]
            frame = frame.with_columns(fill)
        return frame.sort(keys) if keys else frame

    def offices_in_scope(self, request: MeasureRequest) -> list[tuple[str, str]]:
        """(district_code, office_code) pairs the request's district/office filters allow."""
        return sorted(
            (district, office)
            for office, district in self.catalogue.office_districts.items()
            if (not request.districts or district in request.districts)
            and (not request.offices or office in request.offices)
        )

    def spine(self, request: MeasureRequest) -> pl.DataFrame:
        """One row per group the request's filters allow, so quiet groups still show."""
        if request.by == "month":
            return pl.DataFrame(
                {"month": months_between(request.period_from, request.period_to)},
                schema={"month": pl.String},
            )
        pairs = self.offices_in_scope(request)
        if request.by == "office":
            return pl.DataFrame(pairs, schema=["district_code", "office_code"], orient="row")
        if request.offices:
            districts = sorted({d for d, _ in pairs})
        else:
            districts = [
                d
                for d in self.catalogue.districts
                if not request.districts or d in request.districts
            ]
        return pl.DataFrame({"district_code": districts}, schema={"district_code": pl.String})
