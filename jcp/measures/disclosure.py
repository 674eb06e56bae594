"""Disclosure control, applied once, in the runner's output path: cell-key perturbation.

Every count is published as its true value plus a small perturbation that depends only on the
cell (its count and the sum of its records' keys), so the same cell shows the same figure
whatever request produced it, and the difference between two requests is noise, not people
(docs/disclosure.md). A published count of 1 to 4 is shown as [c]; one at or below 0 as 0.

The other figures follow from the published counts:
- a ratio of two published counts (a deferral rate: deferred / interviews due; times its
  scale for a figure per 100) is computed from the published counts, and hidden when either
  is hidden or the denominator is under `min_denominator`;
- a mean or median is computed from the true figures and hidden when its published population
  is hidden or under `min_denominator`; a mean is rounded (one decimal place), so that its
  exact value cannot give back the true count it is over; the average FSF award is the
  rounded spend over the published payments, to £10, hidden under `min_payments`;
- a figure proportional to a count (claims per coach) is scaled to the published count;
- money is rounded to the nearest £10 and hidden when its published payments are hidden or
  under `min_payments`; a share of money (spend against allocation) is computed from the rounded
  money;
- where the published population (or payments) is 0, a rate or mean is empty and money £0, as
  for nobody, whatever the true count under that 0;
- figures that describe no one (a district's FSF allocation) are shown as they are;
- a Kaplan-Meier curve (job survival) is recomputed from the published at-risk counts and the
  perturbed event counts, with its 95% band, and cut ([c]) from the first week whose published
  at-risk count is under `min_denominator` to the end of that group's curve (jcp.measures.rules,
  Curve, says why).

Fail closed: a measure with no rules, or a figure of a measure that no rule covers, is an
error, never an unprotected figure. Operational lists (the overdue worklist) are exact by
nature and shown only within the user's scope.

A hidden cell is NULL in its column and named in the row's `suppressed` list, so tables keep
sorting as numbers; `with_markers` writes `[c]` for exports and the command line.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from jcp.measures import specs
from jcp.measures.perturbation import (
    KEY_SUFFIX,
    SUPPRESSED,
    PTable,
    load_ptable,
    perturb_counts,
    perturbed,
    round_money,
)
from jcp.measures.rules import Rules

MARKER = "[c]"
# What the disclosure control does, in words, for captions, CSV headers and spreadsheet notes.
SUPPRESSION_NOTE = (
    "Figures are adjusted slightly to protect individuals; totals may not equal the sum of "
    "rows. [c]: too few to show (an adjusted count of 1 to {c1}, a rate or mean over fewer "
    "than {d} people, money from fewer than {p} payments). Money is rounded to the nearest £10."
)
# The normal quantile of a two-sided 95% band (scipy.stats.norm.ppf(0.975)).
Z_95 = 1.959963984540054


class DisclosureError(RuntimeError):
    """A figure without a protection rule: a program error, never shown unprotected."""


@dataclass(frozen=True)
class Thresholds:
    min_count: int = 5  # published counts 1..min_count-1 are hidden; 0 is shown
    min_denominator: int = 10  # rates, means and medians need at least this population
    min_payments: int = 5  # money figures need at least this many payments


def suppression_note(thresholds: Thresholds) -> str:
    """SUPPRESSION_NOTE with the deployment's thresholds."""
    return SUPPRESSION_NOTE.format(
        c1=thresholds.min_count - 1, d=thresholds.min_denominator, p=thresholds.min_payments
    )


def _is_figure(dtype: pl.DataType) -> bool:
    return dtype.is_numeric() or dtype.is_decimal()


def rules_for(measure: str) -> Rules:
    """The measure's rules, made up from its spec; an unknown measure is an error."""
    found = specs.catalogue().get(measure)
    if found is None:
        raise DisclosureError(
            f"measure {measure!r} has no spec, so no disclosure rules: nothing is shown"
        )
    return found.rules


def check_covered(frame: pl.DataFrame, measure: str, rules: Rules) -> None:
    """Every figure the measure returns has a rule (counts with their key sums)."""
    keys = {c for c in frame.columns if c.endswith(KEY_SUFFIX)}
    uncovered = sorted(
        c
        for c, dtype in frame.schema.items()
        if c not in keys and c != SUPPRESSED and _is_figure(dtype) and c not in rules.figures
    )
    uncovered = [c for c in uncovered if c != rules.curve_step]
    if uncovered:
        raise DisclosureError(f"{measure}: no disclosure rule for {', '.join(uncovered)}")
    absent = sorted(c for c in rules.counts if c not in frame.columns or c + KEY_SUFFIX not in keys)
    if rules.curves and (rules.curve_step is None or rules.curve_step not in frame.columns):
        absent.append(f"the curve's step column {rules.curve_step}")
    if absent:
        raise DisclosureError(f"{measure}: no count or key sum for {', '.join(absent)}")


def drop_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame without its key sums (for exact, unprotected output)."""
    return frame.drop(c for c in frame.columns if c.endswith(KEY_SUFFIX))


def protect(
    frame: pl.DataFrame,
    measure: str,
    thresholds: Thresholds,
    table: PTable | None = None,
    parent: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The frame as it may be published: counts perturbed, everything else from them.

    The frame is the measure's result with each count column's key sum (`X_key`) beside it;
    for a companion, `parent` is its main measure's published result for the same request.
    """
    rules = rules_for(measure)
    if rules.unprotected:
        return drop_keys(frame)
    check_covered(frame, measure, rules)
    table = table or load_ptable()
    # A figure proportional to a count is scaled to the published count, so it cannot give
    # back the true one; the true counts it needs are kept aside until then.
    true_counts = {c.count: f"true {c.count}" for c in rules.per_count} | {
        m.payments: f"true {m.payments}" for m in rules.money_means
    }
    staged = frame.with_columns(pl.col(c).alias(alias) for c, alias in true_counts.items())
    # A curve's steps use the perturbed events, also where the published count is hidden (1 to
    # 4): never the true count (jcp.measures.rules, Curve).
    curve_events = {c.events: f"perturbed {c.events}" for c in rules.curves}
    staged = staged.with_columns(
        perturbed(pl.col(c), pl.col(c + KEY_SUFFIX), table).clip(lower_bound=0).alias(alias)
        for c, alias in curve_events.items()
    )
    published = perturb_counts(staged, rules.counts, table, thresholds.min_count)
    published = _zero_where_whole_is_zero(published, rules, parent)

    def rounded(value: pl.Expr, decimals: int | None) -> pl.Expr:
        return value if decimals is None else value.round(decimals)

    def hidden(column: str) -> pl.Expr:
        return pl.col(SUPPRESSED).list.contains(pl.lit(column))

    def small(column: str, minimum: int) -> pl.Expr:
        # A published 0 is not small: what is worked out from it is shown as for nobody (no
        # rate, no mean, £0), the same whatever the true count under the 0 is.
        return hidden(column) | pl.col(column).is_between(1, minimum - 1)

    def none_if_zero(column: str, value: pl.Expr) -> pl.Expr:
        return pl.when(pl.col(column) == 0).then(None).otherwise(value)

    # Each step decides what it hides from the published counts (and, for shares, from the
    # money decided before it); then its figures are set and the `suppressed` list extended.
    steps: list[list[tuple[str, pl.Expr, pl.Expr]]] = [
        [
            (
                r.column,
                small(r.denominator, thresholds.min_denominator) | hidden(r.numerator),
                none_if_zero(
                    r.denominator,
                    r.scale * pl.col(r.numerator).cast(pl.Float64) / pl.col(r.denominator),
                ),
            )
            for r in rules.ratios
        ]
        + [
            (
                g.column,
                small(g.population, getattr(thresholds, g.minimum)),
                none_if_zero(g.population, rounded(pl.col(g.column), g.decimals)),
            )
            for g in rules.gated
        ]
        + [
            (
                c.column,
                small(c.count, thresholds.min_denominator),
                none_if_zero(
                    c.count,
                    rounded(
                        pl.col(c.column) * pl.col(c.count) / pl.col(true_counts[c.count]),
                        c.decimals,
                    ),
                ),
            )
            for c in rules.per_count
        ]
        + [
            (
                m.column,
                small(m.payments, thresholds.min_payments),
                none_if_zero(
                    m.payments,
                    round_money(
                        round_money(pl.col(m.column) * pl.col(true_counts[m.payments]))
                        / pl.col(m.payments)
                    ),
                ),
            )
            for m in rules.money_means
        ]
        + [
            (
                m.column,
                small(m.payments, thresholds.min_payments),
                pl.when(pl.col(m.payments) == 0)
                .then(pl.col(m.column) * 0)  # £0, in the column's own type
                .otherwise(round_money(pl.col(m.column))),
            )
            for m in rules.money
        ],
        [
            (
                s.column,
                hidden(s.money),
                pl.col(s.money).cast(pl.Float64) / pl.col(s.of).cast(pl.Float64),
            )
            for s in rules.shares
        ],
    ]
    for step in steps:
        if not step:
            continue
        names = pl.concat_list(
            [pl.when(is_hidden).then(pl.lit(column)) for column, is_hidden, _ in step]
        ).list.drop_nulls()
        published = published.with_columns(
            *(
                pl.when(is_hidden).then(None).otherwise(value).alias(column)
                for column, is_hidden, value in step
            ),
            pl.col(SUPPRESSED).list.concat(names).list.unique().list.sort().alias(SUPPRESSED),
        )
    if rules.curves:
        published = _curves(published, rules, thresholds, curve_events)
    return published.drop(*true_counts.values(), *curve_events.values())


def _curves(
    published: pl.DataFrame, rules: Rules, thresholds: Thresholds, events: dict[str, str]
) -> pl.DataFrame:
    """Each curve recomputed over its group's steps from the published counts, and cut.

    S(w) = prod over steps j <= w of (1 - d_j / n_j), n the published at-risk count and d the
    perturbed events (at most n); Greenwood's V(w) = sum of d_j / (n_j (n_j - d_j)); the band
    is the log-log one, exp(-exp(log(-log S) +- z sqrt(V) / -log S)), as lifelines computes
    it. Where S is 1 (no event yet) the band is 1 to 1, and where S is 0 (everyone at risk had
    the event) 0 to 0: the formula's limits there, and what lifelines gives (log S is 0 or
    undefined, so the formula itself is not used). From the first step whose
    published at-risk count is hidden or under min_denominator, the curve and its band are
    empty for the rest of the group: [c], or as for nobody where that step's count is 0.
    """
    step = rules.curve_step or ""
    keys = [k for k in ("district_code", "office_code") if k in published.columns]
    published = published.sort([*keys, step])

    def over(value: pl.Expr) -> pl.Expr:
        return value.over(keys) if keys else value

    for curve in rules.curves:
        # In stages, each window worked out once and kept in a column of its own.
        n = pl.col(curve.at_risk).cast(pl.Float64)
        d = pl.min_horizontal(pl.col(events[curve.events]).cast(pl.Float64), n)
        small = pl.col(SUPPRESSED).list.contains(pl.lit(curve.at_risk)) | (
            pl.col(curve.at_risk).fill_null(0) < thresholds.min_denominator
        )
        published = published.with_columns(
            (over(small.cast(pl.Int8).cum_max()) == 1).alias("curve cut")
        )
        cut = pl.col("curve cut")
        published = published.with_columns(
            over(pl.when(~cut).then(1 - d / n).cum_prod()).alias("curve S"),
            over(pl.when(~cut).then(pl.when(n > d).then(d / (n * (n - d)))).cum_sum()).alias(
                "curve V"
            ),
        )
        survival, log_s = pl.col("curve S"), pl.col("curve S").log()
        spread = Z_95 * pl.col("curve V").sqrt() / -log_s
        centre = (-log_s).log()
        band = [
            (curve.low, (-(centre + spread).exp()).exp()),
            (curve.high, (-(centre - spread).exp()).exp()),
        ]
        shown = [(curve.column, survival)] + [
            (
                name,
                pl.when(survival == 1).then(1.0).when(survival == 0).then(0.0).otherwise(value),
            )
            for name, value in band
            if name
        ]
        marked = cut & (pl.col(curve.at_risk).is_null() | (pl.col(curve.at_risk) != 0))
        names = [name for name, _ in shown]
        published = published.with_columns(
            *(pl.when(cut).then(None).otherwise(value).alias(name) for name, value in shown),
            pl.when(marked)
            .then(pl.col(SUPPRESSED).list.concat(pl.lit(names)).list.unique().list.sort())
            .otherwise(pl.col(SUPPRESSED))
            .alias(SUPPRESSED),
        ).drop("curve cut", "curve S", "curve V")
    return published


def _zero_where_whole_is_zero(
    published: pl.DataFrame, rules: Rules, parent: pl.DataFrame | None
) -> pl.DataFrame:
    """Parts published as 0 wherever their whole is: within a row, and a companion's parts
    wherever its main measure's count is 0 for the same group."""
    pairs = list(rules.within)
    if rules.parent_columns and parent is not None:
        keys = [k for k in ("district_code", "office_code", "month") if k in published.columns]
        wholes = parent.select(
            *keys, *(pl.col(c).alias(f"whole {c}") for _, c in rules.parent_columns)
        )
        published = (
            published.join(wholes, on=keys, how="left", nulls_equal=True)
            if keys
            else published.join(wholes, how="cross")
        )
        pairs = [(part, f"whole {whole}") for part, whole in rules.parent_columns] + pairs
    for part, whole in pairs:
        zero = pl.col(whole) == 0  # NULL (hidden) is not 0: the part stands as published
        published = published.with_columns(
            pl.when(zero).then(0).otherwise(pl.col(part)).alias(part),
            pl.when(zero)
            .then(pl.col(SUPPRESSED).list.set_difference(pl.lit([part])).list.sort())
            .otherwise(pl.col(SUPPRESSED))
            .alias(SUPPRESSED),
        )
    return published.drop(c for c in published.columns if c.startswith("whole "))


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
