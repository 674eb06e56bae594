"""The overview's headline figures and district league table, assembled from runner results.

Every figure comes from `Runner.run` (through the `run` callable, which the app caches); this
module only picks columns and lines results up side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from jcp.formats import format_change, format_value
from jcp.measures import specs
from jcp.measures.disclosure import MARKER, SUPPRESSED, row_with_markers
from jcp.measures.filters import Filters
from jcp.measures.runner import MeasureRequest

Run = Callable[[MeasureRequest], pl.DataFrame]


@dataclass(frozen=True)
class Headline:
    label: str
    measure: str
    column: str
    kind: str  # decides the format (jcp.formats)
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


def _total(run: Run, filters: Filters, measure: str) -> dict:
    """The by=total row, hidden cells as [c]."""
    frame = run(filters.request(measure))
    return row_with_markers(frame) if frame.height else {}


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


def headline_tiles(run: Run, filters: Filters) -> Iterator[Tile]:
    """The overview's tiles in order, each as soon as its measure has answered (for the period
    and the one before), so a page can draw the first tiles while the others are worked out."""
    previous = filters.previous_period()
    totals: dict[str, tuple[dict, dict]] = {}
    for h in HEADLINES:
        if h.measure not in totals:
            totals[h.measure] = (_total(run, filters, h.measure), _total(run, previous, h.measure))
        now, then = (row.get(h.column) for row in totals[h.measure])
        yield Tile(
            h.label,
            format_value(now, h.kind),
            format_change(now, then, h.kind),
            h.help + f" Change against {previous.period_from} to {previous.period_to}.",
            h.higher_is_better,
        )
    share_now, share_then = fsf_share_spent(run, filters), fsf_share_spent(run, previous)
    yield Tile(
        FSF_SHARE_LABEL,
        format_value(share_now, "rate"),
        format_change(share_now, share_then, "rate"),
        "Spend to date against the district allocations for the financial year that "
        "contains the period's last month. Shown to users who see whole districts.",
        None,
    )


LEAGUE_COLUMNS = [h for h in HEADLINES if h.league]
ALL_IN_SCOPE = "All in scope"


def league_table(run: Run, filters: Filters) -> pl.DataFrame:
    """One row per district in scope with the headline measures; the all-in-scope row last.

    Hidden cells stay hidden: each row's `suppressed` list gathers those of its measures.
    """
    rows: dict[str, dict] = {}
    for measure in dict.fromkeys(h.measure for h in LEAGUE_COLUMNS):
        columns = [h.column for h in LEAGUE_COLUMNS if h.measure == measure]
        by_district = run(filters.request(measure, by="district"))
        total = run(filters.request(measure)).with_columns(district_code=pl.lit(ALL_IN_SCOPE))
        for frame in (by_district, total):
            for record in frame.iter_rows(named=True):
                row = rows.setdefault(
                    record["district_code"],
                    {"district_code": record["district_code"], SUPPRESSED: []},
                )
                row.update({c: record[c] for c in columns})
                row[SUPPRESSED] += [c for c in record.get(SUPPRESSED) or [] if c in columns]
    schema = (
        {"district_code": pl.String}
        | {h.column: (pl.Float64 if h.kind != "count" else pl.Int64) for h in LEAGUE_COLUMNS}
        | {SUPPRESSED: pl.List(pl.String)}
    )
    ordered = [r for d, r in rows.items() if d != ALL_IN_SCOPE] + [rows[ALL_IN_SCOPE]]
    return pl.DataFrame(
        [{k: (float(v) if isinstance(v, Decimal) else v) for k, v in r.items()} for r in ordered],
        schema=schema,
    )


def league_cue(frame: pl.DataFrame) -> dict[str, list[str]]:
    """For each district row and headline column: 'better', 'worse' or '' against the last row."""
    cues: dict[str, list[str]] = {}
    reference = frame.row(frame.height - 1, named=True)
    for h in LEAGUE_COLUMNS:
        base = reference[h.column]
        column_cues = []
        for value in frame[h.column].to_list()[:-1]:
            # No cue for sizes, missing figures or suppressed markers ("[c]"). A count is a
            # size here even where more is better over time (job entries): every district has
            # fewer than all of them together, so against that row it would always read worse.
            comparable = (
                h.higher_is_better is not None
                and h.kind != "count"
                and all(v is not None and not isinstance(v, str) for v in (value, base))
            )
            if not comparable or float(value) == float(base):
                column_cues.append("")
            else:
                better = (float(value) > float(base)) == h.higher_is_better
                column_cues.append("better" if better else "worse")
        cues[h.column] = [*column_cues, ""]
    return cues
