"""What needs a look this week: the ranked "Needs attention" list for a user's scope.

The "Needs attention" page (pages/attention.py) and the weekly digest (jcp/digest.py) both show
this list, so they can never differ. Each item is one plain-English sentence with the figure and
what it is compared with, the page that explains it and that page's link (the filters as the
URL query the sidebar reads). No Streamlit here: figures come from `Sources`, the runner's
methods for one scope (or the app's cached versions of them), so every figure is a published
one (after disclosure control) or an operational list's, exactly as a page shows it.

Sources, in the issue's order of priority (issue 18 s.4); each is one small function:
- units (districts for national users, offices for everyone else or once a national user narrows
  to districts or offices) outside their 99.8%, then 95%, control limits on the worse side, for
  every comparable rate (`Runner.compare`);
- drift signals in the last 3 months (`drift_items`, given `Runner.drift`'s frame);
- the overdue deferral worklist: its size now, the change since the previous month's end, the
  oldest;
- deferral follow-up below the national rate (`Runner.reference`);
- the Flexible Support Fund's projected outturn beyond 10% either side of the allocation
  (district managers only: they hold the budget);
- rows of the latest load rejected in the user's offices (counts only).
A rate with no better direction (the deferral rate: targets were removed because deferring is
sometimes right) is never "worse": a unit beyond its 99.8% limits on it is listed for
information, below every other item, and one beyond 95% only is not listed.

Empty is a good state: a source with nothing to report says so in one sentence (`quiet`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from urllib.parse import urlencode

import polars as pl

from jcp.config import Settings
from jcp.measures import comparison, specs
from jcp.measures.access import Scope
from jcp.measures.disclosure import SUPPRESSED
from jcp.measures.filters import Filters
from jcp.measures.network import Catalogue
from jcp.measures.runner import NATIONAL, MeasureRequest, RequestError, Runner, shift_months
from jcp.web.formats import format_value
from jcp.web.pages import PAGES, PageEntry, page_of

# Kinds of item, most concerning first: an item's kind is the first part of its rank.
KINDS = (
    "worse_998",
    "worse_95",
    "drift",
    "overdue",
    "followup",
    "fsf",
    "rejects",
    "information",
)
KIND_WORDS = {
    "worse_998": "Worse than expected (99.8% limits)",
    "worse_95": "Worse than expected (95% limits)",
    "drift": "A change over time",
    "overdue": "Overdue deferred interviews",
    "followup": "Follow-up below the national rate",
    "fsf": "Flexible Support Fund outturn",
    "rejects": "Rejected rows",
    "information": "For information",
}
# Drift signals this recent (months, the period's last month included) are listed.
DRIFT_MONTHS = 3
# The FSF projected outturn is flagged strictly beyond this share either side of the allocation.
FSF_TOLERANCE = Decimal("0.10")
EMPTY_MESSAGE = "Nothing outside the expected range this month."
# How a rejected row's table is named in a sentence.
TABLE_WORDS = {
    "claims": "claims",
    "wfi": "initial interviews",
    "assessments": "assessments",
    "job_entries": "job entries",
    "fsf_payments": "FSF payments",
}
DRIFT_WORDS = {
    "above_limit": "above its upper control limit of {upper}",
    "below_limit": "below its lower control limit of {lower}",
    "run_above": "above its centre line of {centre} for 8 months or more in a row",
    "run_below": "below its centre line of {centre} for 8 months or more in a row",
}
# Which side of its centre a signal puts the rate.
DRIFT_SIDES = {
    "above_limit": "higher",
    "run_above": "higher",
    "below_limit": "lower",
    "run_below": "lower",
}


@dataclass(frozen=True)
class Item:
    """One thing that needs a look: a sentence, how concerning it is, and where it is explained."""

    kind: str  # one of KINDS
    rank: tuple[int, float, str]  # sort key, most concerning first: (kind, -weight, text)
    text: str  # plain text (names come from the extract: show it as text, never markup)
    page: str  # the url_path of the page that explains it (jcp.web.pages)
    query: tuple[tuple[str, tuple[str, ...]], ...]  # the filters as URL parameters

    @property
    def entry(self) -> PageEntry:
        return next(p for p in PAGES if p.url_path == self.page)

    @property
    def query_params(self) -> dict[str, list[str]]:
        return {key: list(values) for key, values in self.query}

    def link(self, base: str = "") -> str:
        """The page's address with the filters: `base` (the app's URL) + /page?query."""
        return f"{base}/{self.page}?{urlencode(self.query_params, doseq=True)}"


def make_item(kind: str, weight: float, text: str, page: str, filters: Filters) -> Item:
    """An item whose link opens `page` with `filters` (the sidebar reads them from the URL)."""
    query = tuple((key, tuple(values)) for key, values in filters.to_query().items())
    return Item(kind, (KINDS.index(kind), -weight, text), text, page, query)


@dataclass(frozen=True)
class Check:
    """What one source found: its items, or, when it has none, a sentence saying so."""

    items: tuple[Item, ...] = ()
    # The good empty state: what was checked and found in order (no concern; information items
    # may come with it). None when the source had nothing to say.
    quiet: str | None = None


@dataclass(frozen=True)
class Attention:
    """The list for one user and filters: items most concerning first, then what was checked and
    found nothing to report."""

    items: tuple[Item, ...]
    quiet: tuple[str, ...]
    overdue: int | None = None  # the worklist's size now (None: not checked)
    kinds: dict[str, int] = field(default_factory=dict)  # items per kind

    @property
    def concerns(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.kind != "information")

    @property
    def information(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.kind == "information")


@dataclass(frozen=True)
class Sources:
    """Where the list's figures come from, for one scope: the runner's methods, or the app's
    cached versions of them (results.py), which give the same figures."""

    run: Callable[[MeasureRequest], pl.DataFrame]
    compare: Callable[[MeasureRequest, str, str], pl.DataFrame]  # request, column, unit
    reference: Callable[[MeasureRequest, str], pl.DataFrame]  # request, level
    report: Callable[[str], pl.DataFrame]
    # Runner.drift(request, column, unit): None checks no drift (and claims none checked).
    drift: Callable[[MeasureRequest, str, str], pl.DataFrame] | None = None


def compare_options(settings: Settings) -> dict[str, bool]:
    """The keywords every attention comparison passes to Runner.compare: over-dispersion and
    case-mix adjustment as jcp.toml's [compare] says (both on by default; the issue asks for
    adjusted comparisons here). runner_sources and the app's cached compare
    (jcp/web/results.py, attention_sources) both pass them; unit_items reads an adjusted frame
    (limits on the O/E scale, the rate set against E_i / n_i)."""
    return {"overdispersion": settings.overdispersion, "adjusted": settings.case_mix}


def runner_sources(runner: Runner, scope: Scope, settings: Settings) -> Sources:
    """The runner's own methods for `scope` (the digest and the tests use these)."""
    options = compare_options(settings)
    return Sources(
        run=lambda request: runner.run(request, scope),
        compare=lambda request, column, unit: runner.compare(
            request, column, unit, scope, **options
        ),
        reference=lambda request, level: runner.reference(request, scope, level),
        report=lambda name: runner.report(name, scope),
        drift=lambda request, column, unit: runner.drift(request, column, unit, scope),
    )


def compared_rates() -> list[tuple[str, str]]:
    """Every (measure, column) the catalogue marks comparable, in catalogue order."""
    return [(m, c) for m in specs.measures() for c in specs.comparable_columns(m)]


def comparison_unit(scope: Scope, filters: Filters) -> str:
    """Districts for a national user looking at the nation; offices for everyone else (a
    district manager's offices, a team leader's own) and for a national user who narrowed the
    view to districts or offices."""
    narrowed = filters.districts or filters.offices
    return "district" if scope.is_national and not narrowed else "office"


def _place(catalogue: Catalogue, district: str, office: str | None) -> str:
    if office:
        return f"{catalogue.office_names.get(office, office)} ({office})"
    return f"{catalogue.district_names.get(district, district)} ({district})"


def _unit_filters(filters: Filters, district: str, office: str | None) -> Filters:
    """The filters narrowed to one unit, so its link opens the page on that office or district."""
    if office:
        return replace(filters, offices=(office,))
    return replace(filters, districts=(district,), offices=())


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _reach(value: float, centre: float, lower: float, upper: float) -> float:
    """How far beyond its 99.8% limit a unit lies, in half-widths of that limit (for ranking):
    its rate against the target, or, adjusted, its ratio O/E against 1."""
    limit = upper if value > centre else lower
    half = abs(limit - centre)
    return abs(value - centre) / half if half > 0 else float("inf")


def unit_items(
    frame: pl.DataFrame,
    measure: str,
    column: str,
    filters: Filters,
    catalogue: Catalogue,
    adjusted: bool = False,
) -> list[Item]:
    """Items from one comparable rate's comparison frame (Runner.compare): units beyond their
    limits on the worse side (99.8% then 95%), and, for a rate with no better direction, units
    beyond the 99.8% limits, for information. Better, as expected and unplaced units: none.

    `adjusted`: the frame is case-mix adjusted (issue 18 s.1): `expected` is E_i, the limits are
    on the ratio (O/E) scale, and the sentence sets the rate against E_i / n_i, the rate
    expected for the unit's case mix."""
    spec = specs.spec(measure)
    rate_spec = spec.columns[column]
    better = rate_spec.better
    population_words = _lower_first(spec.columns[rate_spec.denominator or ""].label)
    items = []
    for row in frame.iter_rows(named=True):
        verdict = row["verdict"]
        judged = comparison.judgement(verdict, better)
        if verdict is None or verdict == "as_expected" or judged == "better":
            continue
        if judged == "worse":
            kind = "worse_998" if verdict.endswith("998") else "worse_95"
        elif verdict.endswith("998"):
            kind = "information"
        else:
            continue  # no direction, beyond 95% only: not worth a line
        office = row.get("office_code")
        # A figure per 100 (FSF uptake) is written on its own scale, as the compare frame has it.
        figure_kind, scale = rate_spec.kind, rate_spec.scale
        national = f"{format_value(row['target'], figure_kind)} nationally"
        against = (
            f"{format_value(row['expected'] / row['population'] * scale, figure_kind)} expected "
            f"for its case mix ({national})"
            if adjusted
            else national
        )
        text = (
            f"{_place(catalogue, row['district_code'], office)}: {_lower_first(rate_spec.label)} "
            f"{format_value(row['rate'], figure_kind)} "
            f"({format_value(row['observed'], 'count')} of "
            f"{format_value(row['population'], 'count')} {population_words}), against "
            f"{against}: {comparison.verdict_label(verdict, better)}."
        )
        if kind == "information":
            text += " Neither way is better (deferring is sometimes right): for information."
        reach = (
            _reach(row["ratio"], 1.0, row["lower_998"], row["upper_998"])
            if adjusted
            else _reach(row["rate"], row["target"], row["lower_998"], row["upper_998"])
        )
        items.append(
            make_item(
                kind,
                reach,
                text,
                page_of(measure).url_path,
                _unit_filters(filters, row["district_code"], office),
            )
        )
    return items


def check_units(
    sources: Sources, filters: Filters, scope: Scope, catalogue: Catalogue, adjusted: bool
) -> Check:
    """Every comparable rate's units in view against the national rate."""
    unit = comparison_unit(scope, filters)
    items: list[Item] = []
    compared = 0
    for measure, column in compared_rates():
        try:
            frame = sources.compare(filters.request(measure), column, unit)
        except RequestError:
            continue  # no national rate for these filters: nothing to compare with
        compared += 1
        items += unit_items(frame, measure, column, filters, catalogue, adjusted)
    worse = [i for i in items if i.kind != "information"]
    if worse or not compared:
        return Check(tuple(items))
    return Check(
        tuple(items),
        quiet=f"No {unit} worse than expected on any of the {compared} rates compared with the "
        "national rate.",
    )


def drift_items(
    frame: pl.DataFrame,
    measure: str,
    column: str,
    filters: Filters,
    catalogue: Catalogue,
) -> list[Item]:
    """Items from one rate's drift frame (Runner.drift: unit keys, month, rate, centre, lower,
    upper, signal in above_limit, below_limit, run_above, run_below or null): each unit's
    latest signal in the last DRIFT_MONTHS months of the period. A signal on the worse side is
    a drift item; on the better side, none; on a rate with no better direction (deferral rate),
    one for information."""
    rate_spec = specs.spec(measure).columns[column]
    first = shift_months(filters.period_to, -(DRIFT_MONTHS - 1))
    signals = frame.filter(
        pl.col("signal").is_not_null()
        & (pl.col("month") >= first)
        & (pl.col("month") <= filters.period_to)
    )
    keys = ["district_code"] + (["office_code"] if "office_code" in frame.columns else [])
    latest = signals.sort("month").group_by(keys, maintain_order=True).last()
    items = []
    for row in latest.sort(keys).iter_rows(named=True):
        side = DRIFT_SIDES[row["signal"]]
        better = rate_spec.better
        if better in ("higher", "lower") and side == better:
            continue
        kind = "drift" if better in ("higher", "lower") else "information"
        office = row.get("office_code")
        words = DRIFT_WORDS[row["signal"]].format(
            upper=format_value(row["upper"], "rate"),
            lower=format_value(row["lower"], "rate"),
            centre=format_value(row["centre"], "rate"),
        )
        text = (
            f"{_place(catalogue, row['district_code'], office)}: {_lower_first(rate_spec.label)} "
            f"{format_value(row['rate'], 'rate')} in {row['month']}, {words}, set by its own "
            "previous 12 months"
            + (", worse." if kind == "drift" else ". It has no better direction: for information.")
        )
        # The latest month first; a point beyond the limits before a run.
        weight = int(row["month"].replace("-", "")) * 10 + (1 if "limit" in row["signal"] else 0)
        items.append(
            make_item(
                kind,
                weight,
                text,
                page_of(measure).url_path,
                _unit_filters(filters, row["district_code"], office),
            )
        )
    return items


def check_drift(sources: Sources, filters: Filters, scope: Scope, catalogue: Catalogue) -> Check:
    """Drift signals of every comparable rate's units in view (only once Runner.drift exists)."""
    if sources.drift is None:
        return Check()
    unit = comparison_unit(scope, filters)
    items: list[Item] = []
    for measure, column in compared_rates():
        # Only the last DRIFT_MONTHS months are listed: only they are asked for (each brings
        # its own 19 months of history with it).
        request = filters.request(measure)
        recent = max(request.period_from, shift_months(request.period_to, 1 - DRIFT_MONTHS))
        frame = sources.drift(replace(request, period_from=recent), column, unit)
        items += drift_items(frame, measure, column, filters, catalogue)
    if items:
        return Check(tuple(items))
    return Check(quiet=f"No drift over the last {DRIFT_MONTHS} months on the compared rates.")


def _change_words(now: int, then: int) -> str:
    if now == then:
        return "no change"
    return f"{'up' if now > then else 'down'} {abs(now - then):,}"


def check_overdue(sources: Sources, filters: Filters, extract_date: dt.date) -> tuple[Check, int]:
    """The overdue worklist: how many now, the change since the previous month's end (the end
    of the month before the extract date's, as queries/overdue_deferrals_month_end.sql counts
    it), the oldest. The worklist is exact and shown only within scope (an operational list),
    so its size is too; no claim is named."""
    worklist = sources.run(filters.request("overdue_deferrals"))
    before = sources.run(filters.request("overdue_deferrals_month_end"))
    now = worklist.height
    then = int(before["overdue_deferrals"].sum()) if before.height else 0
    since = f"{extract_date.replace(day=1) - dt.timedelta(days=1):%d %B %Y}"
    if now == 0:
        was = f"{then:,} at {since}" if then else f"none at {since} either"
        return Check(quiet=f"No deferred interview is overdue ({was})."), 0
    oldest = int(worklist["days_overdue"].max())
    noun = "interview is" if now == 1 else "interviews are"
    text = (
        f"{now:,} deferred {noun} overdue (past the date they were deferred until, never held, "
        f"claim still open): {_change_words(now, then)} since {since} ({then:,} then). The "
        f"oldest is {oldest:,} days overdue."
    )
    item = make_item("overdue", now, text, page_of("overdue_deferrals").url_path, filters)
    return Check((item,)), now


def _published(frame: pl.DataFrame, column: str) -> float | None:
    """A total row's figure, or None when it is hidden or there is none."""
    if frame.height == 0 or frame[column][0] is None:
        return None
    if SUPPRESSED in frame.columns and column in (frame[SUPPRESSED].to_list()[0] or []):
        return None
    return float(frame[column][0])


def check_followup(sources: Sources, filters: Filters, scope: Scope) -> Check:
    """Follow-up of deferred interviews in view against the national rate (for a national user
    looking at the nation there is nothing wider to compare with)."""
    if scope.is_national and not (filters.districts or filters.offices):
        return Check()
    request = filters.request("deferral_followup")
    own = sources.run(request)
    rate = _published(own, "followup_rate")
    national = _published(sources.reference(request, NATIONAL), "followup_rate")
    if national is None:
        return Check()
    if rate is None:
        return Check(
            quiet="Follow-up of deferred interviews: too few deferrals due in view to compare "
            "with the national rate."
        )
    # Compared as shown (to 0.1%): "70.0%, below the national 70.0%" would read as a mistake.
    if round(rate, 3) >= round(national, 3):
        return Check(
            quiet=f"Follow-up of deferred interviews: {format_value(rate, 'rate')}, at or above "
            f"the national {format_value(national, 'rate')}."
        )
    row = own.row(0, named=True)
    text = (
        f"Follow-up of deferred interviews: {format_value(rate, 'rate')} held within 14 days of "
        f"the date they were deferred until ({format_value(row['held_within_14d'], 'count')} of "
        f"{format_value(row['deferrals_due'], 'count')} due), below the national "
        f"{format_value(national, 'rate')}."
    )
    return Check((make_item("followup", national - rate, text, "deferrals", filters),))


def financial_year(day: dt.date) -> tuple[str, dt.date, dt.date]:
    """The UK financial year (1 April to 31 March) holding `day`: its name ("2026-27"), first
    and last days."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}", dt.date(start, 4, 1), dt.date(start + 1, 3, 31)


def fsf_outturn(projected: Decimal, allocation: Decimal) -> str | None:
    """'over' or 'under' when the projected outturn is strictly beyond FSF_TOLERANCE of the
    allocation either side; None within it (on the boundary is within). Decimal arithmetic, so
    110,000 against 100,000 is exactly on the boundary (in floats 100,000 x 1.1 is a hair
    above 110,000)."""
    if projected > allocation * (1 + FSF_TOLERANCE):
        return "over"
    if projected < allocation * (1 - FSF_TOLERANCE):
        return "under"
    return None


def check_fsf(
    sources: Sources, filters: Filters, scope: Scope, catalogue: Catalogue, extract_date: dt.date
) -> Check:
    """District managers: each district's FSF projected outturn for the financial year in
    progress at the extract date (fsf_budget: spend to date / days elapsed x days in the year)
    against its allocation. Others hold no budget: nothing."""
    if scope.role != "district_manager":
        return Check()
    month = f"{extract_date:%Y-%m}"
    year, first, last = financial_year(extract_date)
    this_month = replace(filters, period_from=month, period_to=month)
    budgets = sources.run(this_month.request("fsf_budget"))
    items = []
    checked = 0
    for row in budgets.filter(pl.col("financial_year") == year).iter_rows(named=True):
        hidden = set(row.get(SUPPRESSED) or [])
        if "projected_outturn_gbp" in hidden or row["projected_outturn_gbp"] is None:
            continue
        checked += 1
        projected = Decimal(str(row["projected_outturn_gbp"]))
        allocation = Decimal(str(row["allocation_gbp"]))
        side = fsf_outturn(projected, allocation)
        if side is None:
            continue
        gap = (projected - allocation) / allocation
        elapsed = (min(extract_date, last) - first).days + 1
        days = (last - first).days + 1
        text = (
            f"{_place(catalogue, row['district_code'], None)}: Flexible Support Fund {year} "
            f"projected outturn {format_value(projected, 'money')} is {abs(gap):.0%} {side} the "
            f"{format_value(allocation, 'money')} allocation (spend to date "
            f"{format_value(row['spend_to_date_gbp'], 'money')} over {elapsed} of the year's "
            f"{days} days, to {extract_date:%d %B %Y})."
        )
        items.append(
            make_item(
                "fsf",
                float(abs(gap)),
                text,
                page_of("fsf_budget").url_path,
                replace(filters, districts=(row["district_code"],), offices=()),
            )
        )
    if items:
        return Check(tuple(items))
    if checked:
        return Check(
            quiet=f"Flexible Support Fund {year}: projected outturn within "
            f"{FSF_TOLERANCE:.0%} of the allocation."
        )
    return Check()


def _tables_words(counts: dict[str, int]) -> str:
    return ", ".join(
        f"{TABLE_WORDS.get(table, table)} {count:,}" for table, count in sorted(counts.items())
    )


def check_rejects(sources: Sources, filters: Filters, scope: Scope) -> Check:
    """Rows of the latest load that broke the data contract (counts only). A national user: every
    rejected row. Others: the rows of their offices in view (jcp queries/reject_offices.sql says
    which office a row belongs to; a row naming no office of the database is in no one's)."""
    if scope.is_national:
        loads = sources.report("loads")
        if loads.height == 0:
            return Check()
        latest = loads.filter(pl.col("loaded_at") == pl.col("loaded_at").max())
        counts = {
            r["table_name"]: int(r["rejected"])
            for r in latest.iter_rows(named=True)
            if r["rejected"]
        }
        where = "the latest load"
    else:
        rejects = sources.report("reject_offices")
        if filters.districts:
            rejects = rejects.filter(pl.col("district_code").is_in(list(filters.districts)))
        if filters.offices:
            rejects = rejects.filter(pl.col("office_code").is_in(list(filters.offices)))
        counts = {}
        for r in rejects.iter_rows(named=True):
            counts[r["table_name"]] = counts.get(r["table_name"], 0) + int(r["rows_rejected"])
        where = "the latest load in your offices in view"
    total = sum(counts.values())
    if total == 0:
        return Check(quiet=f"Data: no rows rejected in {where}.")
    rows = "row" if total == 1 else "rows"
    text = (
        f"Data: {total:,} {rows} rejected in {where} for breaking the data contract "
        f"({_tables_words(counts)}), so in no figure."
    )
    return Check((make_item("rejects", total, text, page_of("reject_offices").url_path, filters),))


def attention(
    runner: Runner,
    filters: Filters,
    scope: Scope,
    settings: Settings,
    sources: Sources | None = None,
) -> Attention:
    """The list for `scope` and `filters`, most concerning first, from `sources` (by default the
    runner's methods for the scope)."""
    sources = sources or runner_sources(runner, scope, settings)
    catalogue = runner.catalogue
    overdue_check, overdue = check_overdue(sources, filters, runner.extract_date)
    checks = [
        check_units(
            sources, filters, scope, catalogue, compare_options(settings).get("adjusted", False)
        ),
        check_drift(sources, filters, scope, catalogue),
        overdue_check,
        check_followup(sources, filters, scope),
        check_fsf(sources, filters, scope, catalogue, runner.extract_date),
        check_rejects(sources, filters, scope),
    ]
    items = sorted((i for c in checks for i in c.items), key=lambda i: i.rank)
    kinds = {kind: sum(i.kind == kind for i in items) for kind in KINDS}
    return Attention(tuple(items), tuple(c.quiet for c in checks if c.quiet), overdue, kinds)


def attention_items(
    runner: Runner,
    filters: Filters,
    scope: Scope,
    settings: Settings,
    sources: Sources | None = None,
) -> list[Item]:
    """The items alone, most concerning first."""
    return list(attention(runner, filters, scope, settings, sources).items)
