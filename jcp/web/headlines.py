"""The overview's headline figures and league table, assembled from runner results.

Every figure comes from `Runner.run` (through the `run` callable, which the app caches), or,
for a reference row wider than the user's scope, from `Runner.reference` (rates and means
only); this module only picks columns and lines results up side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

import polars as pl

from jcp.measures import comparison, specs
from jcp.measures.access import Scope
from jcp.measures.disclosure import MARKER, SUPPRESSED, row_with_markers
from jcp.measures.filters import Filters
from jcp.measures.network import Catalogue
from jcp.measures.runner import NATIONAL, MeasureRequest, RequestError
from jcp.web.formats import format_change, format_value

Run = Callable[[MeasureRequest], pl.DataFrame]


@dataclass(frozen=True)
class Headline:
    label: str
    measure: str
    column: str
    kind: str  # decides the format (jcp.web.formats)
    higher_is_better: bool | None  # None: neither (caseload size, spend)
    help: str
    league: bool  # also compared in the overview's table


def _headlines() -> tuple[Headline, ...]:
    """The columns the catalogue marks as headlines, in their order."""
    found = [
        (column.headline, measure.name, column)
        for measure in specs.measures().values()
        for column in measure.columns.values()
        if column.headline is not None
    ]
    return tuple(
        Headline(
            column.headline_label or column.label,
            measure,
            column.name,
            column.kind,
            column.higher_is_better,
            column.help,
            column.league,
        )
        for _, measure, column in sorted(found, key=lambda item: item[0])
    )


HEADLINES = _headlines()
FSF_SHARE_LABEL = "FSF allocation spent"


def total_row(run: Run, filters: Filters, measure: str) -> dict:
    """The by=total row, hidden cells as [c]."""
    frame = run(filters.request(measure))
    return row_with_markers(frame) if frame.height else {}


def now_and_then(run: Run, filters: Filters, measure: str) -> tuple[dict, dict]:
    """The measure's by=total row for the period and for the equally long period just before it
    (Filters.previous_period), hidden cells as [c]: what a tile's or a sentence's change is
    worked out from (jcp.web.summaries says the same changes in words)."""
    return total_row(run, filters, measure), total_row(run, filters.previous_period(), measure)


def fsf_share_spent(run: Run, filters: Filters) -> object:
    """Share of allocation spent in the financial year containing the period's last month."""
    budgets = run(filters.request("fsf_budget"))
    year, month = int(filters.period_to[:4]), int(filters.period_to[5:7])
    start_year = year if month >= 4 else year - 1
    financial_year = f"{start_year}-{(start_year + 1) % 100:02d}"
    rows = budgets.filter(pl.col("financial_year") == financial_year)
    if rows.height == 0:
        return None
    hidden = SUPPRESSED in rows.columns and any(
        "spend_to_date_gbp" in (cells or []) for cells in rows[SUPPRESSED].to_list()
    )
    if hidden:
        return MARKER  # a hidden spend must not come back through the district total
    return float(rows["spend_to_date_gbp"].sum()) / float(rows["allocation_gbp"].sum())


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    change: str | None
    help: str
    higher_is_better: bool | None
    measure: str  # whose entry on "About these figures" the help links to


def headline_tiles(run: Run, filters: Filters) -> Iterator[Tile]:
    """The overview's tiles in order, each as soon as its measure has answered (for the period
    and the one before), so a page can draw the first tiles while the others are worked out."""
    previous = filters.previous_period()
    totals: dict[str, tuple[dict, dict]] = {}
    for h in HEADLINES:
        if h.measure not in totals:
            totals[h.measure] = now_and_then(run, filters, h.measure)
        now, then = (row.get(h.column) for row in totals[h.measure])
        yield Tile(
            h.label,
            format_value(now, h.kind),
            format_change(now, then, h.kind),
            h.help + f" Change against {previous.period_from} to {previous.period_to}.",
            h.higher_is_better,
            h.measure,
        )
    share_now, share_then = fsf_share_spent(run, filters), fsf_share_spent(run, previous)
    yield Tile(
        FSF_SHARE_LABEL,
        format_value(share_now, "rate"),
        format_change(share_now, share_then, "rate"),
        "Spend to date against the district allocations for the financial year that "
        "contains the period's last month. Shown to users who see whole districts.",
        None,
        "fsf_budget",
    )


LEAGUE_COLUMNS = [h for h in HEADLINES if h.league]
# The league's rates that a funnel plot compares (spec `comparable`): each gets a verdict column
# beside it, in symbol and words, against the national rate allowing for the unit's size. No
# cell is coloured better or worse: a difference inside the limits is not a difference, and a
# colour alone says nothing to some readers (WCAG 1.4.1).
VERDICT_COLUMNS = [h for h in LEAGUE_COLUMNS if h.column in specs.comparable_columns(h.measure)]
VERDICT_SUFFIX = "_verdict"

# What each row of the league table is: its `level` column.
LEVEL = "level"
OFFICE, DISTRICT, NATIONAL_ROW = "Office", "District", "National"
HEADINGS = {
    "national": "Districts compared",
    "district_manager": "Offices compared",
    "team_leader": "Your offices compared",
}

# Rates and means of a whole area the user may not see in full (jcp.measures.Runner.reference):
# (request, level) -> the request's rate, change and mean columns only.
Reference = Callable[[MeasureRequest, str], pl.DataFrame]
# Runner.compare for the user's scope: (request, column, unit) -> one row per unit with its
# verdict against the national rate.
Compare = Callable[[MeasureRequest, str, str], pl.DataFrame]


@dataclass(frozen=True)
class League:
    """The overview's comparison: rows compared, then the reference rows they are set against."""

    frame: pl.DataFrame
    blank: dict[str, list[int]]  # per column, the rows whose figure is left out (rates only)
    compared: int  # the first `compared` rows are compared; the rest are reference rows
    heading: str
    caption: str


@dataclass(frozen=True)
class _ReferenceRow:
    level: str
    district: str | None  # None: the nation
    rates_only: bool  # wider than the user's scope: from Runner.reference


def _reference_rows(filters: Filters, scope: Scope, catalogue: Catalogue) -> list[_ReferenceRow]:
    """National users: the nation. Others: each district of the offices the filters leave
    them, then the nation; rates only where the area is wider than what they see."""
    if scope.is_national:
        return [_ReferenceRow(NATIONAL_ROW, None, False)]
    offices = [
        office
        for office in scope.visible_offices(catalogue)
        if (not filters.districts or catalogue.office_districts[office] in filters.districts)
        and (not filters.offices or office in filters.offices)
    ]
    seen = {catalogue.office_districts[office] for office in offices}
    whole = scope.whole_districts(catalogue)
    return [
        _ReferenceRow(DISTRICT, district, district not in whole)
        for district in catalogue.districts
        if district in seen
    ] + [_ReferenceRow(NATIONAL_ROW, None, True)]


def league(
    run: Run,
    reference: Reference,
    compare: Compare,
    filters: Filters,
    scope: Scope,
    catalogue: Catalogue,
    adjusted: bool = False,
) -> League:
    """The league table for the user's role, its verdicts and the words around it.

    National users compare districts, with the national row as reference. District managers
    compare the offices of their districts, team leaders their own offices; both with each of
    those offices' districts and the nation as reference rows. A reference row covers its
    whole area whatever the district and office filters (the period, benefit and group
    filters apply); where that area is wider than the user's scope it comes from `reference`,
    rates and means only, and its other figures are left blank. Hidden cells stay hidden:
    each row's `suppressed` list gathers those of its measures. Each comparable rate has a
    verdict column beside it (`compare`, the funnel's own verdicts; empty for reference rows
    and for units too small to place).
    """
    by = "district" if scope.is_national else "office"
    keys = ["district_code"] + (["office_code"] if by == "office" else [])
    area = replace(filters, districts=(), offices=())
    references = _reference_rows(filters, scope, catalogue)
    compared: dict[tuple, dict] = {}
    reference_records = [
        {LEVEL: r.level, "district_code": r.district, SUPPRESSED: []} for r in references
    ]
    blank: dict[str, list[int]] = {}
    for measure in dict.fromkeys(h.measure for h in LEAGUE_COLUMNS):
        columns = [h.column for h in LEAGUE_COLUMNS if h.measure == measure]
        for record in run(filters.request(measure, by=by)).iter_rows(named=True):
            row = compared.setdefault(
                tuple(record[k] for k in keys),
                {LEVEL: OFFICE if by == "office" else DISTRICT}
                | {k: record[k] for k in keys}
                | {SUPPRESSED: []},
            )
            _take(row, record, columns)
        for index, r in enumerate(references):
            if r.rates_only:
                request = area.request(measure)
                frame = reference(request, r.district or NATIONAL)
                for column in columns:
                    if column not in frame.columns:
                        blank.setdefault(column, []).append(index)
            else:
                districts = (r.district,) if r.district else ()
                frame = run(replace(area, districts=districts).request(measure))
            _take(reference_records[index], _first(frame), columns)
    for h in VERDICT_COLUMNS:
        try:
            verdicts = compare(area.request(h.measure), h.column, by)
        except RequestError:  # no national rate to compare with (all of it hidden): no verdicts
            verdicts = pl.DataFrame(schema={k: pl.String for k in [*keys, "verdict"]})
        found = {
            tuple(row[k] for k in keys): row["verdict"]
            for row in verdicts.select(*keys, "verdict").iter_rows(named=True)
        }
        better = specs.spec(h.measure).columns[h.column].better
        for key, row in compared.items():
            row[h.column + VERDICT_SUFFIX] = comparison.verdict_label(found.get(key), better)
    ordered = list(compared.values())
    offset = len(ordered)
    ordered += reference_records
    schema = (
        {LEVEL: pl.String}
        | {k: pl.String for k in keys}
        | {
            name: dtype
            for h in LEAGUE_COLUMNS
            for name, dtype in [(h.column, pl.Float64 if h.kind != "count" else pl.Int64)]
            + ([(h.column + VERDICT_SUFFIX, pl.String)] if h in VERDICT_COLUMNS else [])
        }
        | {SUPPRESSED: pl.List(pl.String)}
    )
    frame = pl.DataFrame(
        [
            {k: (float(v) if isinstance(v, Decimal) else v) for k, v in r.items() if k in schema}
            for r in ordered
        ],
        schema=schema,
    )
    return League(
        frame,
        {c: sorted(offset + i for i in rows) for c, rows in blank.items()},
        offset,
        HEADINGS.get(scope.role, HEADINGS["district_manager"]),
        _caption(scope, references, adjusted),
    )


def _first(frame: pl.DataFrame) -> dict:
    return frame.row(0, named=True) if frame.height else {}


def _take(row: dict, record: dict, columns: list[str]) -> None:
    """The measure's league columns from a result row into a table row (None where absent)."""
    row.update({c: record.get(c) for c in columns})
    row[SUPPRESSED] += [c for c in record.get(SUPPRESSED) or [] if c in columns]


def _caption(scope: Scope, references: list[_ReferenceRow], adjusted: bool = False) -> str:
    unit = "district" if scope.is_national else "office"
    rated = " and ".join(h.label.lower() for h in VERDICT_COLUMNS)
    allowing = (
        f"for the {unit}'s size and case mix (benefit, claimant group and age band)"
        if adjusted
        else f"for the {unit}'s size"
    )
    parts = [
        f"Each {unit}'s {rated} has a verdict beside it against the national rate, allowing "
        f"{allowing} (the funnel plots on each measure's page): ▲ higher than "
        "expected, ▼ lower, ● as expected; ▲▲ and ▼▼ beyond the 99.8% limits. Better and worse "
        "are said only where the measure has a better direction (the deferral rate has none). "
        "Reference rows (the last) cover their whole area, whatever the district and office "
        "filters.",
    ]
    wider = list(dict.fromkeys(r.level for r in references if r.rates_only))
    if wider:
        rows, cover = (
            (" rows show", "they cover") if len(wider) > 1 else (" row shows", "it covers")
        )
        parts.append(
            f"The {' and '.join(wider)}{rows} rates and means only: {cover} offices you do not "
            "see, so counts, money and sizes are left blank there."
        )
    return " ".join(parts)
