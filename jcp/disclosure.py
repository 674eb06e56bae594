"""Small-number disclosure control, applied once, in the runner's output path.

Primary suppression hides a count of 1 to 4, a rate, mean or median over fewer than 10, and a
money figure built from fewer than 5 payments. Secondary suppression then makes sure no hidden
cell can be worked out by subtracting visible cells from a total the user can also see: where a
group of cells that adds up to a shown total has exactly one hidden cell, the next-smallest
non-zero cell of that group is hidden too. Derived figures are hidden with what they derive
from, so a visible rate cannot give back a hidden count.

A suppressed cell is NULL in its numeric column and named in the row's `suppressed` list, so
tables keep sorting as numbers; `with_markers` writes `[c]` for exports and the command line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

MARKER = "[c]"
SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class Thresholds:
    min_count: int = 5  # counts 1..min_count-1 are hidden; 0 is shown
    min_denominator: int = 10  # rates, means and medians need at least this population
    min_payments: int = 5  # money figures need at least this many payments


@dataclass(frozen=True)
class Derived:
    """A figure computed over a population; hidden when that population is small or hidden."""

    column: str
    population: str  # the count it is over
    minimum: str = "min_denominator"  # which threshold applies
    inputs: tuple[str, ...] = ()  # other figures it would give away if shown alone


@dataclass(frozen=True)
class Rules:
    counts: tuple[str, ...] = ()
    derived: tuple[Derived, ...] = ()
    # Money columns that add up like counts (hidden under min_payments through `derived`).
    additive_money: tuple[str, ...] = ()
    category: str | None = None  # companions: the column splitting each group into parts
    # Companions: the measure whose figures their parts add up to, and which column of it each
    # part column adds up to (reasons add up to deferrals.deferred, and so on).
    parent: str | None = None
    parent_columns: tuple[tuple[str, str], ...] = ()
    unprotected: bool = False  # operational lists, not statistics

    @property
    def additive(self) -> tuple[str, ...]:
        return self.counts + self.additive_money


def _rate(column: str, population: str, *inputs: str) -> Derived:
    return Derived(column, population, "min_denominator", inputs)


def _money(column: str, payments: str) -> Derived:
    return Derived(column, payments, "min_payments")


DIMENSIONS = ("job_search", "work_skills", "confidence", "health_wellbeing", "stability")

RULES: dict[str, Rules] = {
    "deferrals": Rules(
        counts=("wfis_due", "deferred", "waived"),
        derived=(
            _rate("deferral_rate", "wfis_due", "deferred"),
            _rate("waiver_rate", "wfis_due", "waived"),
            _rate("median_deferral_days", "deferred"),
        ),
    ),
    "deferral_reasons": Rules(
        counts=("deferred",),
        category="deferral_reason",
        parent="deferrals",
        parent_columns=(("deferred", "deferred"),),
    ),
    "overdue_deferrals": Rules(unprotected=True),
    "job_entries": Rules(
        counts=("job_entries", "mature_13w", "sustained_13w", "mature_26w", "sustained_26w"),
        derived=(
            _rate("sustained_13w_rate", "mature_13w", "sustained_13w"),
            _rate("sustained_26w_rate", "mature_26w", "sustained_26w"),
        ),
    ),
    "distance_travelled": Rules(
        counts=("claims_measured", *(f"claims_{d}" for d in DIMENSIONS)),
        derived=(
            _rate("mean_change", "claims_measured"),
            _rate("pct_improved", "claims_measured"),
            *(_rate(f"mean_change_{d}", f"claims_{d}") for d in DIMENSIONS),
        ),
    ),
    "fsf_spend": Rules(
        counts=("payments", "recipients", "claimant_payments"),
        additive_money=("spend_gbp",),
        derived=(
            _money("spend_gbp", "payments"),
            _rate("avg_award_gbp", "claimant_payments"),
        ),
    ),
    "fsf_categories": Rules(
        counts=("payments",),
        additive_money=("spend_gbp",),
        derived=(_money("spend_gbp", "payments"),),
        category="category",
        parent="fsf_spend",
        parent_columns=(("payments", "payments"), ("spend_gbp", "spend_gbp")),
    ),
    "fsf_budget": Rules(
        counts=("payments",),
        derived=(
            _money("spend_to_date_gbp", "payments"),
            Derived("pct_spent", "payments", "min_payments", ("spend_to_date_gbp",)),
            Derived("projected_outturn_gbp", "payments", "min_payments", ("spend_to_date_gbp",)),
        ),
    ),
    "caseload": Rules(
        counts=("live_claims", "new_claims", "off_flows", "off_flows_to_work"),
        derived=(_rate("claims_per_coach", "live_claims"),),
    ),
}


@dataclass
class _Grid:
    """The frame's values and the set of hidden cells, as plain Python for the fix-point loop."""

    rows: list[dict]
    hidden: list[set[str]] = field(default_factory=list)

    def hide(self, index: int, column: str) -> bool:
        if column in self.hidden[index]:
            return False
        self.hidden[index].add(column)
        return True


def _value(value: object) -> float:
    return 0.0 if value is None else float(value)


def _primary(grid: _Grid, rules: Rules, thresholds: Thresholds) -> None:
    for index, row in enumerate(grid.rows):
        for column in rules.counts:
            if column in row and 0 < _value(row[column]) < thresholds.min_count:
                grid.hide(index, column)
        for rule in rules.derived:
            if rule.column in row and rule.population in row:
                minimum = getattr(thresholds, rule.minimum)
                if _value(row[rule.population]) < minimum:
                    grid.hide(index, rule.column)


def _follow_inputs(grid: _Grid, rules: Rules) -> bool:
    changed = False
    for index, row in enumerate(grid.rows):
        for rule in rules.derived:
            if rule.column not in row:
                continue
            sources = (rule.population, *rule.inputs)
            if any(s in grid.hidden[index] for s in sources):
                changed |= grid.hide(index, rule.column)
    return changed


def _protect_group(
    grid: _Grid, members: list[int], column: str, total_hidden: bool = False
) -> bool:
    """Hide another cell if a hidden one could be worked out from the group's total.

    With the total shown, one hidden non-zero cell is recoverable; with the total hidden (a
    companion group whose figure the main table hides), no hidden cell at all would let the
    visible parts add up to it. A hidden cell whose value is known to be 0 (spend from 0
    payments) protects nothing, so it does not count.
    """
    hidden = [
        i for i in members if column in grid.hidden[i] and _value(grid.rows[i].get(column)) != 0
    ]
    if len(hidden) != (0 if total_hidden else 1):
        return False
    candidates = [
        i for i in members if column not in grid.hidden[i] and _value(grid.rows[i].get(column)) > 0
    ]
    if not candidates:
        return False
    smallest = min(candidates, key=lambda i: (_value(grid.rows[i][column]), i))
    return grid.hide(smallest, column)


def _groups(grid: _Grid, keys: list[str]) -> list[list[int]]:
    groups: dict[tuple, list[int]] = {}
    for index, row in enumerate(grid.rows):
        groups.setdefault(tuple(row.get(k) for k in keys), []).append(index)
    return list(groups.values())


def _secondary(grid: _Grid, rules: Rules, by: str, hidden_parents: dict[str, set[tuple]]) -> bool:
    """One pass over every set of cells that adds up to a total shown elsewhere."""
    group_keys = [k for k in ("district_code", "office_code", "month") if k in grid.rows[0]]
    partitions: list[list[str]] = []
    if rules.category:
        # Parts of a group add up to the group's figure in the main measure; the same part
        # across groups adds up to that part's all-in-scope figure.
        partitions += [group_keys, [rules.category, *(["district_code"] if by == "office" else [])]]
        if by == "office":
            partitions.append([rules.category])
    elif by == "office":
        # Offices add up to their district's figure and, all together, to the total.
        partitions += [["district_code"], []]
    elif by != "total":
        partitions.append([])  # districts and months add up to the total
    changed = False
    for keys in partitions:
        for members in _groups(grid, keys):
            for column in rules.additive:
                if column not in grid.rows[0]:
                    continue
                total_hidden = (
                    keys == group_keys
                    and rules.category is not None
                    and (
                        tuple(grid.rows[members[0]].get(k) for k in keys)
                        in hidden_parents.get(column, set())
                    )
                )
                changed |= _protect_group(grid, members, column, total_hidden)
    return changed


def suppress(
    frame: pl.DataFrame,
    measure: str,
    by: str,
    thresholds: Thresholds,
    hidden_parents: dict[str, set[tuple]] | None = None,
) -> pl.DataFrame:
    """The frame with small cells hidden (NULL) and listed in a `suppressed` column.

    For a companion, `hidden_parents` maps each part column to the group keys (district_code,
    office_code, month as present) whose figure the main measure's table hides.
    """
    rules = RULES.get(measure)
    if rules is None or rules.unprotected:
        return frame
    grid = _Grid(frame.to_dicts(), [set() for _ in range(frame.height)])
    if frame.height:
        _primary(grid, rules, thresholds)
        # Hiding one cell can expose another through a total or a rate: repeat until stable.
        parents = hidden_parents or {}
        while _follow_inputs(grid, rules) | _secondary(grid, rules, by, parents):
            pass
    hidden_lists = [sorted(cells) for cells in grid.hidden]
    masked = frame.with_columns(pl.Series(SUPPRESSED, hidden_lists, dtype=pl.List(pl.String)))
    columns = {c for cells in grid.hidden for c in cells}
    return masked.with_columns(
        pl.when(pl.col(SUPPRESSED).list.contains(pl.lit(c)))
        .then(None)
        .otherwise(pl.col(c))
        .alias(c)
        for c in sorted(columns)
    )


def hidden_groups(
    parent: pl.DataFrame, rules: Rules, key_columns: tuple[str, ...]
) -> dict[str, set[tuple]]:
    """For a companion: the group keys whose figure the (suppressed) parent table hides."""
    hidden: dict[str, set[tuple]] = {}
    if SUPPRESSED not in parent.columns:
        return hidden
    for row in parent.iter_rows(named=True):
        for part_column, parent_column in rules.parent_columns:
            if parent_column in (row[SUPPRESSED] or []):
                hidden.setdefault(part_column, set()).add(tuple(row[k] for k in key_columns))
    return hidden


def with_markers(frame: pl.DataFrame) -> pl.DataFrame:
    """Hidden cells written as [c] (their columns become text); the `suppressed` list dropped."""
    if SUPPRESSED not in frame.columns:
        return frame
    columns = sorted({c for cells in frame[SUPPRESSED].to_list() for c in cells})
    marked = frame.with_columns(
        pl.when(pl.col(SUPPRESSED).list.contains(pl.lit(c)))
        .then(pl.lit(MARKER))
        .otherwise(pl.col(c).cast(pl.String))
        .alias(c)
        for c in columns
    )
    return marked.drop(SUPPRESSED)


def row_with_markers(frame: pl.DataFrame, index: int = 0) -> dict:
    """One row as a dict with hidden cells as [c], for tiles."""
    row = frame.row(index, named=True)
    for column in row.pop(SUPPRESSED, None) or []:
        row[column] = MARKER
    return row


def any_suppressed(frame: pl.DataFrame) -> bool:
    return SUPPRESSED in frame.columns and frame[SUPPRESSED].list.len().sum() > 0
