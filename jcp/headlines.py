"""The overview's headline figures and district league table, assembled from runner results.

Every figure comes from `Runner.run` (through the `run` callable, which the app caches); this
module only picks columns and lines results up side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from jcp.disclosure import MARKER, SUPPRESSED, row_with_markers
from jcp.filters import Filters
from jcp.measures import MeasureRequest

Run = Callable[[MeasureRequest], pl.DataFrame]


@dataclass(frozen=True)
class Headline:
    label: str
    measure: str
    column: str
    kind: str  # count, rate, mean or money: decides the format
    higher_is_better: bool | None  # None: neither (caseload size, spend)
    help: str


HEADLINES: tuple[Headline, ...] = (
    Headline(
        "Live caseload",
        "caseload",
        "live_claims",
        "count",
        None,
        "Claims open at the end of the period's last day.",
    ),
    Headline(
        "New claims",
        "caseload",
        "new_claims",
        "count",
        None,
        "Claims that started in the period.",
    ),
    Headline(
        "Job entries",
        "job_entries",
        "job_entries",
        "count",
        True,
        "Job entries that started in the period.",
    ),
    Headline(
        "13-week sustained rate",
        "job_entries",
        "sustained_13w_rate",
        "rate",
        True,
        "Of job entries started in the period whose 13 weeks have passed, the share still in "
        "work after 13 weeks. Jobs started under 13 weeks ago are not counted.",
    ),
    Headline(
        "Deferral rate",
        "deferrals",
        "deferral_rate",
        "rate",
        False,
        "Share of non-JSA initial Work Focused Interviews due in the period that were deferred.",
    ),
    Headline(
        "Mean distance travelled",
        "distance_travelled",
        "mean_change",
        "mean",
        True,
        "Mean change in assessment score (1-10 scale), latest review against baseline.",
    ),
    Headline(
        "FSF spend",
        "fsf_spend",
        "spend_gbp",
        "money",
        None,
        "Flexible Support Fund payments dated in the period.",
    ),
)

FSF_SHARE_LABEL = "FSF allocation spent"


def format_value(value: object, kind: str) -> str:
    """How a figure is written on a page and in a tile."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value  # already a marker such as "[c]"
    number = float(value) if isinstance(value, Decimal) else value
    if kind == "count":
        return f"{number:,.0f}"
    if kind == "rate":
        return f"{number:.1%}"
    if kind == "mean":
        return f"{number:+.1f}"  # published to one place (jcp.disclosure, Gated)
    if kind == "money":
        return f"£{number:,.0f}"
    if kind == "days":
        return f"{number:,.1f} days"
    if kind == "decimal":
        return f"{number:,.1f}"
    raise ValueError(f"unknown kind {kind!r}")


def rate_text(column: str) -> pl.Expr:
    """A rate column written as format_value writes a rate ("12.3%"), as a polars expression.

    Tables format whole columns this way rather than with a Python function per row
    (`map_elements`): polars runs such a function on its thread pool, where it waits for the
    interpreter lock; with many sessions at once that deadlocked the server.
    """
    return pl.format("{}%", (pl.col(column) * 100).round(1))


def format_change(current: object, previous: object, kind: str) -> str | None:
    """The change shown under a tile, in the tile's own units (rates in points)."""
    if current is None or previous is None or isinstance(current, str) or isinstance(previous, str):
        return None
    diff = float(current) - float(previous)
    if kind == "rate":
        return f"{diff * 100:+.1f} pts"
    if kind == "money":
        return f"{'+' if diff >= 0 else '-'}£{abs(diff):,.0f}"
    if kind == "count":
        return f"{diff:+,.0f}"
    return f"{diff:+.1f}"


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


LEAGUE_COLUMNS = [h for h in HEADLINES if h.column != "new_claims"]
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
