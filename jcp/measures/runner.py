"""The one measure runner: a request in, the SQL in queries/ run with bound parameters, a frame out.

Pages, CSV exports, the `measure` command and the benchmark all call `Runner.run`, so a figure
can never differ between them. Steps, in order: check the request against the database,
narrow it to the caller's scope, run the measure's SQL file, complete the grouping (every
district/office/month the filters allow gets a row), then apply disclosure control (cell-key
perturbation, jcp.measures.disclosure), which consumes the key sums the SQL returns beside each
count.

`Runner.reference` is the one way figures for an area wider than the caller's scope leave:
the rates and means of their district or the nation, never its counts or money.
`Runner.compare` places the caller's offices or districts against the national rate with
control limits (jcp.measures.comparison); the national rate and the over-dispersion it uses
are single numbers about the whole nation, like a reference.
`Runner.drift` judges each month of a comparable rate against the same unit's own previous 12
months (jcp.measures.drift), from the published figures the caller may see.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

import duckdb
import polars as pl

from jcp.extract import contract
from jcp.measures import comparison, drift, perturbation, specs
from jcp.measures.access import Scope
from jcp.measures.disclosure import SUPPRESSED, Thresholds, drop_keys, protect
from jcp.measures.engines import as_engine
from jcp.measures.network import EmptyDatabase, read_catalogue
from jcp.measures.queries import Engine, query_sql, sql_parameters
from jcp.measures.specs import GROUPINGS, MeasureSpec

# The only identifiers a grouping can bring into a result: an allow-list, never input.
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "total": (),
    "district": ("district_code",),
    "office": ("district_code", "office_code"),
    "month": ("month",),
    # Internal (MONTH_GROUPINGS): Runner.drift's months of every unit, never a request's `by`.
    "district_month": ("district_code", "month"),
    "office_month": ("district_code", "office_code", "month"),
}
ALL_KEYS = ("district_code", "office_code", "month")
MONTH_PATTERN = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
# The months a request may cover. The loader keeps every date from 2000-01-01 to a year or two
# ahead, and the overview compares a period with the equally long one before it, which can
# reach back before 2000; these bounds leave room for both while keeping month arithmetic (a
# month's last day, a --by month spine, the period before) far inside the calendar, which
# `--from 0000-01` and `--to 9999-12` left with a traceback.
FIRST_REQUEST_MONTH = "1900-01"
LAST_REQUEST_MONTH = "2099-12"
# What a reference figure may be: a rate, a change or a mean describes a whole area without
# counting anyone in it, so it can be shown beside a user's own figures for a wider area
# (their district, the nation) than they may see. Counts, money and sizes of that area stay
# within the scopes that hold it.
REFERENCE_KINDS = ("rate", "change", "mean")
NATIONAL = "national"  # the reference level covering every district
# National results a runner remembers (Runner.national, unit_months, case_mix_rates): a few per
# comparable rate and filter set (its total, its units, its units' months for drift); the
# oldest go first past either bound. The bytes bound the memory: one filter set's months of
# 380 offices for drift (7 measures, 22 months) is about 7 MB (polars' estimated size at 1M
# claims), so 256 MB keeps some 35 filter sets' drift where 2,048 results alone would let a
# long-lived server grow by 2 GB.
REMEMBERED_RESULTS = 2048
REMEMBERED_BYTES = 256 * 1024 * 1024
# The units a comparison places on a funnel, and the keys of each row.
COMPARE_UNITS = {"office": ("district_code", "office_code"), "district": ("district_code",)}
COMPARE_FIGURES = (
    "observed",
    "population",
    "rate",
    "target",
    "expected",
    "ratio",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "phi",
)
# The units drift is judged for, and the keys of each row: "total" is the request's selection
# as a whole (the user's scope and filters), one series.
DRIFT_UNITS = {"total": (), **COMPARE_UNITS}
DRIFT_FIGURES = ("observed", "population", "rate", "centre", "lower", "upper")
# Drift by office or district reads every unit's months, the period plus the LOOKBACK_MONTHS
# before it, in one query (MONTH_GROUPINGS). This caps the months it reads at
# MAX_DRIFT_UNIT_MONTHS + 19 (55), so a result of 380 offices stays about 21,000 rows; "total"
# is one request by month whatever the period.
MAX_DRIFT_UNIT_MONTHS = 36
# The internal groupings a comparison adjusted for case mix runs a measure's SQL with, one per
# unit: its counts per unit and cell. An allow-list the runner alone uses, never a request's
# `by` (check refuses them there): users cannot ask for a table of cells.
CELL_GROUPINGS = {"office": "office_cell", "district": "district_cell"}
CELL_KEYS = tuple(specs.CELL_KEYS)
# The internal groupings drift runs a comparable measure's SQL with, one per unit: every unit's
# figures month by month from one query, each month counted as a request for that month alone
# counts it (queries/*.sql, "by = month" semantics). Without them drift asked for one month at
# a time, 22 queries a rate for Needs attention's last 3 months, after every filter change.
# An allow-list the runner alone uses, never a request's `by` (check refuses them there).
MONTH_GROUPINGS = {"office": "office_month", "district": "district_month"}


# Measures and lists (what a request can name), and reports, from the catalogue (specs).
MEASURES: dict[str, MeasureSpec] = specs.measures()
REPORTS: dict[str, MeasureSpec] = specs.reports()


def groupings_of(measure: str) -> tuple[str, ...]:
    """The groupings worth requesting of a measure: its spec's, or "total" alone for one whose
    rows are its own (a list, the budgets), where every grouping gives the same rows."""
    return MEASURES[measure].groupings or ("total",)


def measure_groupings() -> list[tuple[str, str]]:
    """Every (measure, grouping) a request can name and get different rows: what the bench
    times and the parity tests compare."""
    return [(name, by) for name in MEASURES for by in groupings_of(name)]


def reference_columns(measure: str) -> list[str]:
    """The measure's figures a reference may carry: those of a REFERENCE_KINDS kind (its spec)."""
    return [c.name for c in MEASURES[measure].figures if c.kind in REFERENCE_KINDS]


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


def drift_history(request: MeasureRequest) -> MeasureRequest:
    """The request by month that drift of the selection as a whole (unit "total") reads: the
    period and the drift.LOOKBACK_MONTHS (19) before it, so that the period's first month has
    its own 12 and the months of a run ending there have theirs. Not before the first month a
    request may name: a month that early has fewer months before it, so a shorter baseline
    (and, under 6, no signal).

    A month's row is the same whatever the period around it (by month, each month is counted
    as a request for that month alone), so the period's own months by month are this result's
    last ones: a trend chart with drift marks needs this one query, not two.
    """
    first = max(shift_months(request.period_from, -drift.LOOKBACK_MONTHS), FIRST_REQUEST_MONTH)
    return replace(request, by="month", period_from=first)


def default_period(extract_date: dt.date) -> tuple[str, str]:
    """The 12 whole months ending with the extract date's month."""
    last = f"{extract_date:%Y-%m}"
    return shift_months(last, -11), last


class Runner:
    """Runs measure requests on one engine: a DuckDB database (the default) or Spark."""

    def __init__(
        self, source: Engine | duckdb.DuckDBPyConnection, thresholds: Thresholds | None = None
    ) -> None:
        self.engine = as_engine(source)
        # The specs must describe what the SQL returns on this database, or nothing is run.
        for name in specs.catalogue():
            returned = self.engine.columns(name)
            if returned is not None:
                specs.check_columns(specs.spec(name), returned)
        try:
            self.catalogue = read_catalogue(self.engine)
        except EmptyDatabase as exc:
            raise RequestError(str(exc)) from None
        self.thresholds = thresholds or Thresholds()
        # National figures that comparisons, drift and references read whoever asks (each
        # comparison's target and phi, each month of each office for drift), and the main
        # measure a companion's disclosure reads (_parent), remembered for the runner's life
        # (one data version): every manager's funnel and every digest then asks the database
        # once, not once per scope. Results are frames nothing changes in place.
        # Plain dicts, not functools.lru_cache on bound methods: those would make the runner
        # refer to itself, so a dropped runner would keep its database open until the garbage
        # collector's next cycle. Two sessions asking at once may both work a figure out; both
        # get the same one.
        self._remembered: dict[tuple, pl.DataFrame] = {}
        self._remembered_bytes = 0
        self._remembering = threading.Lock()  # around evicting and adding, never the work

    def _remember(self, key: tuple, work: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        found = self._remembered.get(key)
        if found is None:
            found = work()
            size = found.estimated_size()
            with self._remembering:
                if key not in self._remembered:  # another session may have just added it
                    # The oldest first, until the new result fits both bounds (a result over
                    # the bytes bound alone is still remembered, alone).
                    while self._remembered and (
                        len(self._remembered) >= REMEMBERED_RESULTS
                        or self._remembered_bytes + size > REMEMBERED_BYTES
                    ):
                        oldest = self._remembered.pop(next(iter(self._remembered)))
                        self._remembered_bytes -= oldest.estimated_size()
                    self._remembered[key] = found
                    self._remembered_bytes += size
        return found

    def forget(self) -> None:
        """Drop the remembered national figures (tests that count queries)."""
        with self._remembering:
            self._remembered.clear()
            self._remembered_bytes = 0

    def national(self, request: MeasureRequest) -> pl.DataFrame:
        """A published result for the whole nation, remembered (see __init__)."""
        return self._remember(("national", request), lambda: self.run(request, Scope.national()))

    def unit_months(self, request: MeasureRequest, unit: str) -> pl.DataFrame:
        """Every office or district (`unit`) of the nation, each month of the request's period,
        as published: one query grouped by unit and month (MONTH_GROUPINGS), remembered.

        Each row is what a request by `unit` for that month alone publishes for the unit (its
        counts and key sums are those records', so cell-key perturbation gives the same
        figures; tests/test_drift.py checks every comparable rate): a unit with nothing in a
        month has its row of zeros, as in that month's own table. The request's district and
        office filters are dropped (the nation); its benefits and claimant groups stay. The
        request is the caller's to check (Runner.drift checks the user's request first).
        """
        if unit not in MONTH_GROUPINGS:
            raise RequestError(f"months of every office or district, not {unit!r}")
        nation = replace(request, by=MONTH_GROUPINGS[unit], districts=(), offices=())
        return self._remember(
            ("unit_months", nation), lambda: self._published(nation, Scope.national())
        )

    def case_mix_rates(
        self, request: MeasureRequest, column: str, unit: str, target: float
    ) -> pl.DataFrame:
        """Each unit's mix-expected rate and variance per head (_case_mix_rates), remembered."""
        return self._remember(
            ("case_mix", request, column, unit, target),
            lambda: self._case_mix_rates(request, column, unit, target),
        )

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
            if not FIRST_REQUEST_MONTH <= month <= LAST_REQUEST_MONTH:
                raise RequestError(
                    f"{label} month {month} is out of range: a request may cover months from "
                    f"{FIRST_REQUEST_MONTH} to {LAST_REQUEST_MONTH}"
                )
        if request.period_from > request.period_to:
            raise RequestError(
                f"from month {request.period_from} is after to month {request.period_to}"
            )
        if request.by not in GROUPINGS:
            raise RequestError(
                f"unknown grouping {request.by!r}; choose from {', '.join(GROUPINGS)}"
            )
        offered = MEASURES[request.measure].groupings
        if offered and request.by not in offered:
            raise RequestError(
                f"{request.measure} cannot be grouped by {request.by}; "
                f"choose from {', '.join(offered)}"
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

    def equivalent(self, request: MeasureRequest, scope: Scope) -> MeasureRequest:
        """The request in the one form that keys a shared result cache: `run` gives the same
        frame for both, so two ways of asking the same thing share one entry.

        Code lists are sorted without repeats (`parameters` sorts them, the spine and the
        checks only ask whether a code is in them), and a district or office list naming
        exactly what a scope that is not national sees is dropped (Scope.narrowing): the
        scope already narrows the offices to those (`parameters`), and a district-wide
        measure's districts to the whole ones among them.
        """
        return replace(request, **scope.equivalent_codes(request, self.catalogue))

    def parameters(self, request: MeasureRequest, scope: Scope) -> dict[str, object]:
        """Bound parameters: the request's filters narrowed to what the scope may see.

        A NULL list means no filter; an empty list matches nothing, which is what a request
        for codes wholly outside the scope must get.
        """

        def as_filter(values: tuple[str, ...]) -> list[str] | None:
            return sorted(values) if values else None

        districts, offices = as_filter(request.districts), as_filter(request.offices)
        if not scope.is_national:
            if MEASURES[request.measure].district_wide:
                whole = scope.whole_districts(self.catalogue)
                districts = sorted(set(request.districts or whole) & set(whole))
            else:
                visible = scope.visible_offices(self.catalogue)
                offices = sorted(set(request.offices or visible) & set(visible))
        return {
            "by": request.by,
            "period_start": month_start(request.period_from),
            "period_end": month_end(request.period_to),
            "extract_date": self.extract_date,
            "districts": districts,
            "offices": offices,
            "benefits": as_filter(request.benefits),
            "groups": as_filter(request.groups),
        }

    def run(
        self, request: MeasureRequest, scope: Scope, *, unsuppressed: bool = False
    ) -> pl.DataFrame:
        """The measure for the request, limited to the scope, with disclosure control.

        `unsuppressed` is for national analysts only (the `measure` command's --unsuppressed).
        """
        self.check(request)
        if unsuppressed and not scope.is_national:
            raise RequestError("unsuppressed figures are available to national users only")
        return self._published(request, scope, unsuppressed=unsuppressed)

    def _published(
        self, request: MeasureRequest, scope: Scope, *, unsuppressed: bool = False
    ) -> pl.DataFrame:
        """`run` for a checked request, or one of the runner's own internal groupings."""
        measure = MEASURES[request.measure]
        sql = query_sql(measure.name)
        wanted = sql_parameters(sql)
        params = {k: v for k, v in self.parameters(request, scope).items() if k in wanted}
        frame = self.engine.query(measure.name, params)
        specs.check_columns(measure, frame.columns)
        if measure.grouped:
            frame = self._shape_groups(frame, request, measure, scope)
        if unsuppressed:
            return drop_keys(frame)
        return protect(frame, request.measure, self.thresholds, parent=self._parent(request, scope))

    def _parent(self, request: MeasureRequest, scope: Scope) -> pl.DataFrame | None:
        """A companion's main measure, published for the same request and scope; None for a
        measure that is no companion.

        A companion's parts show 0 wherever its main measure shows 0 (reasons where no
        deferral is shown): a part shown otherwise would prove that 0 is somebody. The main
        measure is remembered (see __init__): it is the same figures whenever it is asked for
        on this runner, and working it out again was half of every companion request.
        """
        parent_measure = MEASURES[request.measure].parent
        if not parent_measure:
            return None
        parent = replace(request, measure=parent_measure)
        return self._remember(
            ("parent", self.equivalent(parent, scope), scope), lambda: self.run(parent, scope)
        )

    def reference(self, request: MeasureRequest, scope: Scope, level: str) -> pl.DataFrame:
        """A measure's rates and means for a whole area a user's figures are compared with.

        `level` is NATIONAL (every district) or the code of a district the user has an office
        in; any other district is refused, whoever asks. The area replaces the request's
        district and office filters; its period, benefits and claimant groups stay. It is run
        with disclosure control over the whole area, wider than the user's scope, so only the
        columns `reference_columns` names leave here (and which of them are hidden): no count,
        money or key sum, which for an area the user does not see in full would tell them
        about offices that are not theirs.
        """
        self.check(request)
        measure = MEASURES[request.measure]
        if measure.query != "measure" or not measure.grouped:
            raise RequestError(f"{request.measure} has no reference figures")
        if request.by not in ("total", "month"):
            raise RequestError(
                f"a reference is one area's figure: group it by total or month, not {request.by}"
            )
        if not scope.has_access:
            raise RequestError("a user with no access gets no reference figures")
        own = scope.visible_districts(self.catalogue)
        if level != NATIONAL and level not in own:
            raise RequestError(
                f"no reference figures for {level!r}: only for the nation and your own "
                f"district(s) ({', '.join(own)})"
            )
        area = replace(request, districts=() if level == NATIONAL else (level,), offices=())
        frame = self.national(area)
        kept = reference_columns(request.measure)
        return frame.select(
            *KEY_COLUMNS[request.by],
            *([measure.part] if measure.part else []),  # a companion's rows' labels
            *([measure.curve] if measure.curve else []),  # a curve's steps
            *kept,
            pl.col(SUPPRESSED).list.eval(pl.element().filter(pl.element().is_in(kept))),
        )

    def compare(
        self,
        request: MeasureRequest,
        column: str,
        unit: str,
        scope: Scope,
        overdispersion: bool = True,
        adjusted: bool = False,
    ) -> pl.DataFrame:
        """A comparable rate's units in the scope against the national rate, with limits.

        The observed and population counts come from published figures (counts after
        perturbation, so nothing the measure's own table hides): the target p0 is the national
        rate for the request's period, benefits and claimant groups; phi is estimated over every
        unit of that level in the nation whose rate is published, whoever asks, so a verdict
        never depends on who looks. A unit whose rate is hidden (population under
        min_denominator, or a hidden count) gets no point and no verdict; its hidden counts are
        listed in `suppressed`. phi is None when over-dispersion is off or cannot be estimated.

        The limits are binomial, worked on the share O / n (0 to 1); `rate`, `target`, the
        unadjusted limits and `adjusted_rate` are shown on the column's own scale, so a figure
        per 100 (FSF uptake) is per 100 here too and `rate` is the published figure.

        `adjusted`: indirect standardisation for case mix (jcp.measures.comparison). `expected`
        is E_i = n_i x e_i, with n_i the published population and e_i the rate the unit's own
        mix of cells (benefit x claimant group x age band) would have at the national rate of
        each cell; `ratio` = O_i / E_i, the limits are on the ratio scale (around 1), phi comes
        from the adjusted z-scores, and a column `adjusted_rate` = ratio x target is added after
        `rate` (which stays O_i / n_i). e_i comes from perturbed cell counts (case_mix_rates),
        never the true ones, and no cell count leaves here.
        """
        self.check(request)
        measure = MEASURES[request.measure]
        rate = self._comparable_rate(request, column)
        if unit not in COMPARE_UNITS:
            raise RequestError(f"compare offices or districts, not {unit!r}")
        if adjusted and not measure.case_mix:
            raise RequestError(
                f"{request.measure} cannot be adjusted for case mix: its SQL has no cells "
                "(benefit x claimant group x age band); compare it unadjusted"
            )
        if not scope.has_access:
            raise RequestError("a user with no access gets no comparison")
        if unit == "district" and request.offices:
            raise RequestError("an office filter makes a district partial: compare offices")
        numerator, denominator = rate.numerator or "", rate.denominator or ""
        nation = replace(request, districts=(), offices=())
        national = self.national(replace(nation, by="total"))
        if column in national[SUPPRESSED].to_list()[0] or national[column][0] is None:
            raise RequestError(
                f"no national {rate.label.lower()} for this period and filters to compare with"
            )
        # Limits are binomial, worked on the share itself (0 to 1); a figure per 100 is shown on
        # its own scale again below, so `rate` is the published figure wherever it is shown.
        scale = rate.scale
        target = float(national[column][0]) / scale
        units = self.national(replace(nation, by=unit))

        def published(name: str) -> pl.Expr:
            hidden = pl.col(SUPPRESSED).list.contains(pl.lit(name))
            return pl.when(hidden).then(None).otherwise(pl.col(name)).cast(pl.Int64)

        # Only what the published table shows: a unit whose rate is hidden is left out of phi.
        units = units.select(
            *COMPARE_UNITS[unit],
            published(numerator).alias("observed"),
            published(denominator).alias("population"),
            pl.col(SUPPRESSED).list.contains(pl.lit(column)).alias("rate_hidden"),
            pl.col(SUPPRESSED)
            .list.eval(
                pl.element()
                .filter(pl.element().is_in([numerator, denominator, column]))
                .replace({numerator: "observed", denominator: "population", column: "rate"})
            )
            .alias(SUPPRESSED),
        )
        if adjusted:
            units = units.join(
                self.case_mix_rates(nation, column, unit, target),
                on=list(COMPARE_UNITS[unit]),
                how="left",
                nulls_equal=True,
            )
        else:
            units = units.with_columns(
                pl.lit(None, pl.Float64).alias("expected_rate"),
                pl.lit(None, pl.Float64).alias("variance_rate"),
            )
        placed = units.filter(~pl.col("rate_hidden"))
        phi = None
        if overdispersion and adjusted:
            phi = comparison.adjusted_overdispersion(
                placed["observed"].to_list(),
                placed["population"].to_list(),
                placed["expected_rate"].to_list(),
                placed["variance_rate"].to_list(),
            )
        elif overdispersion:
            phi = comparison.overdispersion(
                placed["observed"].to_list(), placed["population"].to_list(), target
            )
        if unit == "office":
            shown = set(self.offices_in_scope(request, scope))
            mine = [(d, o) in shown for d, o in units.select(COMPARE_UNITS[unit]).rows()]
        else:
            whole = set(scope.whole_districts(self.catalogue))
            mine = [
                d in whole and (not request.districts or d in request.districts)
                for d in units["district_code"]
            ]
        units = units.filter(pl.Series(mine, dtype=pl.Boolean))
        minimum = self.thresholds.min_denominator
        rows = []
        for observed, population, hidden, expected_rate, variance_rate in units.select(
            "observed", "population", "rate_hidden", "expected_rate", "variance_rate"
        ).rows():
            if hidden:
                point = None
            elif adjusted:
                point = comparison.adjusted_point(
                    observed, population, expected_rate, variance_rate, target, phi, minimum
                )
            else:
                point = comparison.funnel_point(observed, population, target, phi, minimum)
            # On the column's scale: rates and rate limits times `scale` (the published rate is
            # scale x O / n); a ratio and its limits (adjusted) have none.
            on_scale = 1.0 if adjusted else scale
            rows.append(
                {
                    "rate": None if point is None else scale * observed / population,
                    "adjusted_rate": (
                        None
                        if point is None or point.adjusted_rate is None
                        else scale * point.adjusted_rate
                    ),
                    "target": float(national[column][0]),
                    "expected": None if point is None else point.expected,
                    "ratio": None if point is None else point.ratio,
                    "lower_95": None if point is None else on_scale * point.lower_95,
                    "upper_95": None if point is None else on_scale * point.upper_95,
                    "lower_998": None if point is None else on_scale * point.lower_998,
                    "upper_998": None if point is None else on_scale * point.upper_998,
                    "phi": phi,
                    "verdict": None if point is None else point.verdict,
                }
            )
        figures = pl.DataFrame(
            rows,
            schema={
                **{name: pl.Float64 for name in (*COMPARE_FIGURES[2:], "adjusted_rate")},
                "verdict": pl.String,
            },
        )
        shown_figures = list(COMPARE_FIGURES)
        if adjusted:
            shown_figures.insert(shown_figures.index("rate") + 1, "adjusted_rate")
        return pl.concat(
            [
                units.select(*COMPARE_UNITS[unit], "observed", "population"),
                figures,
                units.select(SUPPRESSED),
            ],
            how="horizontal",
        ).select(*COMPARE_UNITS[unit], *shown_figures, "verdict", SUPPRESSED)

    def _case_mix_rates(
        self, request: MeasureRequest, column: str, unit: str, target: float
    ) -> pl.DataFrame:
        """Each unit's mix-expected rate and variance per head for a comparable rate: from the
        measure's own SQL grouped by unit and cell (an internal grouping, CELL_GROUPINGS), for
        the request's period, benefits and claimant groups over the whole nation. With p_c the
        national rate in cell c, a unit's expected_rate is sum n_ic p_c / sum n_ic and its
        variance_rate sum n_ic p_c (1 - p_c) / sum n_ic (comparison.mix_rates).

        Every count in these is perturbed as a published count is (cell-key method, before the
        small-number rule, as a survival curve's events are): each unit's cell populations
        n_ic, and each cell's national events and population (key sums add up, so a nation's
        cell is perturbed as the cell it is). From true counts, expected_rate would be an exact
        fraction over the unit's true population, which (as an exact mean would, see
        docs/disclosure.md) can give the true count back from E / n. A cell whose national rate
        would be hidden (its events hidden, or its population under min_denominator) takes the
        national rate `target` instead. Nothing here is returned but the unit keys and the two
        rates.
        """
        measure = MEASURES[request.measure]
        rate = measure.columns[column]
        numerator, denominator = rate.numerator or "", rate.denominator or ""
        keys = list(COMPARE_UNITS[unit])
        cells_request = replace(request, by=CELL_GROUPINGS[unit], districts=(), offices=())
        sql = query_sql(measure.name)
        wanted = sql_parameters(sql)
        params = {
            k: v for k, v in self.parameters(cells_request, Scope.national()).items() if k in wanted
        }
        cells = self.engine.query(measure.name, params)
        specs.check_columns(measure, cells.columns)
        suffix = perturbation.KEY_SUFFIX
        counts = [numerator, f"{numerator}{suffix}", denominator, f"{denominator}{suffix}"]
        cells = cells.select(*keys, *CELL_KEYS, *(pl.col(c).cast(pl.Int64) for c in counts))

        def published_count(name: str) -> pl.Expr:
            key_sum = pl.col(f"{name}{suffix}")
            return perturbation.perturbed(pl.col(name), key_sum).clip(lower_bound=0)

        national = (
            cells.group_by(CELL_KEYS)
            .agg(pl.col(counts).sum())
            .select(
                *CELL_KEYS,
                published_count(numerator).alias("events"),
                published_count(denominator).alias("people"),
            )
            .select(
                *CELL_KEYS,
                # As the cell's rate would be published: from the perturbed counts, or not at
                # all when its events are hidden or its population is small; then the nation's.
                pl.when(
                    (pl.col("people") >= self.thresholds.min_denominator)
                    & ~perturbation.hidden(pl.col("events"), self.thresholds.min_count)
                )
                .then((pl.col("events") / pl.col("people")).clip(0.0, 1.0))
                .otherwise(pl.lit(target))
                .alias("cell_rate"),
            )
        )
        # Each unit's cells in one order, so the same request gives the same figures to the
        # last bit (a float sum depends on its order).
        cells = (
            cells.select(*keys, *CELL_KEYS, published_count(denominator).alias("people"))
            .filter(pl.col("people") > 0)
            .sort(*keys, *CELL_KEYS)
            .join(national, on=list(CELL_KEYS), how="left", nulls_equal=True, maintain_order="left")
        )
        rows = []
        # Rows are sorted by unit, so each unit's cells are consecutive (a few thousand rows:
        # plain iteration costs less than a polars group per unit).
        width = len(keys)
        for key, group in itertools.groupby(
            cells.select(*keys, "people", "cell_rate").iter_rows(), key=lambda r: r[:width]
        ):
            mix = comparison.mix_rates((row[width], row[width + 1]) for row in group)
            if mix is not None:
                rows.append((*key, *mix))
        return pl.DataFrame(
            rows,
            schema={
                **dict.fromkeys(keys, pl.String),
                "expected_rate": pl.Float64,
                "variance_rate": pl.Float64,
            },
            orient="row",
        )

    def _comparable_rate(self, request: MeasureRequest, column: str) -> specs.Column:
        """The spec of a rate its measure's spec marks comparable, or one sentence why not."""
        rate = MEASURES[request.measure].columns.get(column)
        if rate is None or not rate.comparable:
            offered = specs.comparable_columns(request.measure)
            raise RequestError(
                f"{request.measure}.{column} is not a comparable rate; "
                + (f"choose from {', '.join(offered)}" if offered else "it has none")
            )
        return rate

    def drift(
        self,
        request: MeasureRequest,
        column: str,
        unit: str,
        scope: Scope,
        run: Callable[[MeasureRequest], pl.DataFrame] | None = None,
    ) -> pl.DataFrame:
        """Each month of the request's period of a comparable rate, for each unit in the scope,
        against the unit's own previous 12 months: centre, 3-sigma limits and signal
        (jcp.measures.drift).

        `unit` is "office" or "district" (each one the scope may see, as Runner.compare gives
        them: a district only when the user sees all of it), or "total": the request's selection
        as a whole, as the user sees it (their scope and filters), one series. The request's
        grouping is ignored. Only published figures are used, so a month whose rate is hidden
        is no evidence (its hidden counts are listed in `suppressed`) and breaks a run.

        Months fetched: the period and the drift.LOOKBACK_MONTHS (19) before it, so that the
        period's first month has its own 12 and the months of a run ending there have theirs.
        Queries made: one. "total": a request by month (drift_history), through `run` when
        given (the caller's cache of `run` for this scope: a trend chart reads the same
        result); "office" or "district": every unit of the nation by month (unit_months),
        remembered and shared by every user's drift.
        """
        self.check(request)
        rate = self._comparable_rate(request, column)
        if unit not in DRIFT_UNITS:
            raise RequestError(f"drift is judged for offices, districts or the total, not {unit!r}")
        if not scope.has_access:
            raise RequestError("a user with no access gets no drift signals")
        if unit == "district" and request.offices:
            raise RequestError("an office filter makes a district partial: judge offices")
        period = months_between(request.period_from, request.period_to)
        if unit != "total" and len(period) > MAX_DRIFT_UNIT_MONTHS:
            raise RequestError(
                f"drift by {unit} covers at most {MAX_DRIFT_UNIT_MONTHS} months; "
                f"this period has {len(period)}"
            )
        history = drift_history(request)
        first = history.period_from
        keys = list(DRIFT_UNITS[unit])
        numerator, denominator = rate.numerator or "", rate.denominator or ""
        if unit == "total":
            fetched = run(history) if run is not None else self.run(history, scope)
        else:
            # Every unit of the nation, month by month (an office's published figure is the same
            # whoever asks: the same records, the same perturbation), shared by every user's
            # drift (`unit_months`); then only the units the scope and filters give.
            fetched = self.unit_months(replace(request, period_from=first), unit)
            if unit == "office":
                shown = pl.DataFrame(
                    self.offices_in_scope(request, scope),
                    schema={"district_code": pl.String, "office_code": pl.String},
                    orient="row",
                )
                fetched = fetched.join(shown, on=["district_code", "office_code"], how="semi")
            else:
                # A district is judged only by a user who sees all of it (as in compare).
                whole = set(scope.whole_districts(self.catalogue))
                chosen = [d for d in whole if not request.districts or d in request.districts]
                fetched = fetched.filter(pl.col("district_code").is_in(chosen))

        def published(name: str, dtype: pl.DataType) -> pl.Expr:
            hidden = pl.col(SUPPRESSED).list.contains(pl.lit(name))
            return pl.when(hidden).then(None).otherwise(pl.col(name)).cast(dtype)

        figures = fetched.select(
            *keys,
            "month",
            published(numerator, pl.Int64).alias("observed"),
            published(denominator, pl.Int64).alias("population"),
            published(column, pl.Float64).alias("rate"),
            pl.col(SUPPRESSED)
            .list.eval(
                pl.element()
                .filter(pl.element().is_in([numerator, denominator, column]))
                .replace({numerator: "observed", denominator: "population", column: "rate"})
            )
            .alias(SUPPRESSED),
        )
        # Every month of every unit, so a series is consecutive even where a measure leaves out
        # a quiet month (a month absent is one with nothing published).
        spine = pl.DataFrame(
            {"month": months_between(first, request.period_to)}, schema={"month": pl.String}
        )
        if keys:
            spine = figures.select(keys).unique().join(spine, how="cross")
        figures = (
            spine.join(figures, on=[*keys, "month"], how="left", nulls_equal=True)
            .with_columns(pl.col(SUPPRESSED).fill_null(pl.lit([], dtype=pl.List(pl.String))))
            .sort([*keys, "month"])
        )
        judged: list[tuple[float | None, float | None, float | None, str | None]] = []
        groups = figures.group_by(keys, maintain_order=True) if keys else [((), figures)]
        for _, series in groups:
            # A month counts only where its rate is published: its counts then are too, and
            # its population is at least min_denominator.
            points = drift.drift_points(
                [
                    (month, None, None) if shown is None else (month, observed, population)
                    for month, observed, population, shown in series.select(
                        "month", "observed", "population", "rate"
                    ).rows()
                ]
            )
            # The p-chart is worked on the share O / n; its centre and limits are shown on the
            # column's scale, as `rate` is (a figure per 100, FSF uptake, per 100).
            for point in points:
                centre, lower, upper = (
                    None if x is None else rate.scale * x
                    for x in (point.centre, point.lower, point.upper)
                )
                judged.append((centre, lower, upper, point.signal))
        limits = pl.DataFrame(
            judged,
            schema={
                "centre": pl.Float64,
                "lower": pl.Float64,
                "upper": pl.Float64,
                "signal": pl.String,
            },
            orient="row",
        )
        return (
            pl.concat([figures, limits], how="horizontal")
            .filter(pl.col("month") >= request.period_from)
            .select(*keys, "month", *DRIFT_FIGURES, "signal", SUPPRESSED)
        )

    def report(self, name: str, scope: Scope, limit: int | None = None) -> pl.DataFrame:
        """A report on the database (loads, rejects), for a scope its spec allows; one whose SQL
        takes $offices only about the offices the scope sees."""
        found = REPORTS.get(name)
        if found is None:
            raise RequestError(f"unknown report {name!r}; choose from {', '.join(REPORTS)}")
        if found.scope == "national" and not scope.is_national:
            raise RequestError(f"the {found.title.lower()} are shown to national users only")
        if not scope.has_access:
            raise RequestError("nobody signed in sees no report")
        wanted = sql_parameters(query_sql(name))
        params: dict[str, object] = {"limit": limit} if "limit" in wanted else {}
        if "offices" in wanted:
            # A report by office (rejects per office) is narrowed to the offices the scope sees,
            # as a measure is: a national user's NULL is every office.
            params["offices"] = (
                None if scope.is_national else sorted(scope.visible_offices(self.catalogue))
            )
        frame = self.engine.query(name, params or None)
        specs.check_columns(found, frame.columns)
        return frame

    def _shape_groups(
        self, frame: pl.DataFrame, request: MeasureRequest, measure: MeasureSpec, scope: Scope
    ) -> pl.DataFrame:
        keys = list(KEY_COLUMNS[request.by])
        # The case-mix cells are NULL outside the internal cell groupings: never a result's.
        frame = frame.drop([k for k in (*ALL_KEYS, *CELL_KEYS) if k not in keys], strict=False)
        if measure.complete:
            spine = self.spine(request, scope) if keys else None
            if measure.part:
                parts = pl.DataFrame(
                    {measure.part: list(measure.parts)}, schema={measure.part: pl.String}
                )
                spine = parts if spine is None else spine.join(parts, how="cross")
            if measure.curve:
                # Every week of every group's curve, so a quiet group still shows (at risk 0).
                steps = pl.DataFrame(
                    {measure.curve: list(measure.steps)},
                    schema={measure.curve: frame.schema.get(measure.curve, pl.Int64)},
                )
                spine = steps if spine is None else spine.join(steps, how="cross")
            if spine is not None:
                on = keys + [c for c in (measure.part, measure.curve) if c]
                frame = spine.join(frame, on=on, how="left", nulls_equal=True)
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
        order = keys + [c for c in (measure.part, measure.curve) if c]
        return frame.sort(order) if order else frame

    def offices_in_scope(self, request: MeasureRequest, scope: Scope) -> list[tuple[str, str]]:
        """(district_code, office_code) pairs the filters allow and the scope may see."""
        visible = set(scope.visible_offices(self.catalogue))
        return sorted(
            (district, office)
            for office, district in self.catalogue.office_districts.items()
            if office in visible
            and (not request.districts or district in request.districts)
            and (not request.offices or office in request.offices)
        )

    def spine(self, request: MeasureRequest, scope: Scope) -> pl.DataFrame:
        """One row per group the filters allow and the scope may see, so quiet groups show."""
        months = pl.DataFrame(
            {"month": months_between(request.period_from, request.period_to)},
            schema={"month": pl.String},
        )
        if request.by == "month":
            return months
        if request.by in MONTH_GROUPINGS.values():
            # Every unit in every month, as each month's own request by unit would give them.
            unit = next(u for u, by in MONTH_GROUPINGS.items() if by == request.by)
            return self.spine(replace(request, by=unit), scope).join(months, how="cross")
        pairs = self.offices_in_scope(request, scope)
        if request.by == "office":
            return pl.DataFrame(
                pairs, schema={"district_code": pl.String, "office_code": pl.String}, orient="row"
            )
        if request.offices or not scope.is_national:
            districts = sorted({d for d, _ in pairs})
        else:
            districts = [
                d
                for d in self.catalogue.districts
                if not request.districts or d in request.districts
            ]
        return pl.DataFrame({"district_code": districts}, schema={"district_code": pl.String})
