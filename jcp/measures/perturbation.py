"""Cell-key perturbation of counts and rounding of money, as polars expressions (no row loops)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from jcp.measures.ptable import COLUMNS, DEFAULT_PTABLE, DESIGN, KEY_RANGE

__all__ = [
    "KEY_RANGE",
    "KEY_SUFFIX",
    "MIN_COUNT",
    "SUPPRESSED",
    "PTable",
    "PTableError",
    "hidden",
    "load_ptable",
    "perturb_counts",
    "perturbed",
    "published",
    "round_money",
]

# Published counts from 1 to MIN_COUNT - 1 are hidden ([disclosure] min_count in jcp.toml).
MIN_COUNT = 5
# The list column naming a row's hidden cells (jcp.measures.disclosure, which uses this module,
# shows
# them as [c]).
SUPPRESSED = "suppressed"
KEY_SUFFIX = "_key"  # count column X travels with X_key, the raw sum of its records' keys


class PTableError(ValueError):
    """The perturbation table file cannot be used; the message names the file and the rule."""


@dataclass(frozen=True, eq=False)
class PTable:
    """A validated perturbation table, flattened for lookup by min(count, N) * 4096 + cell key."""

    path: Path
    top_count: int  # N: counts above it use its row
    intervals: pl.DataFrame  # count, perturbation, ckey_from, ckey_to (inclusive), as in the file
    lookup: pl.Series  # Int8, length (N + 1) * KEY_RANGE


def _fail(path: Path, rule: str) -> PTableError:
    return PTableError(f"{path}: {rule}")


def _read(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_csv(path, comment_prefix="#", infer_schema=False)
    except FileNotFoundError:
        raise _fail(path, "no such file") from None
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise _fail(path, f"not a readable CSV ({type(exc).__name__})") from None
    if tuple(frame.columns) != COLUMNS:
        found = ", ".join(frame.columns)
        raise _fail(path, f"columns must be {', '.join(COLUMNS)} (found {found})")
    typed = frame.select(pl.col(c).str.strip_chars().cast(pl.Int64, strict=False) for c in COLUMNS)
    bad = typed.select(pl.any_horizontal(pl.all().is_null()).arg_true().first()).item()
    if bad is not None:
        raise _fail(path, f"data row {bad + 1} has a value that is not a whole number")
    return typed


def _validate(path: Path, table: pl.DataFrame) -> int:
    """Check the rules the method relies on (fail closed); N, the largest count."""
    if table.height == 0:
        raise _fail(path, "the table has no rows")
    counts = table["count"].unique().sort().to_list()
    if counts != list(range(len(counts))):
        raise _fail(path, "counts must be every whole number from 0 to the largest, each with rows")
    top = counts[-1]
    if top < DESIGN.max_perturbation:
        raise _fail(path, f"the largest count must be at least D = {DESIGN.max_perturbation}")
    limit = DESIGN.max_perturbation
    too_far = table.filter(pl.col("perturbation").abs() > limit)
    if too_far.height:
        n, d = too_far.row(0)[:2]
        raise _fail(path, f"count {n}: perturbation {d} is larger than D = {limit}")
    negative = table.filter(pl.col("count") + pl.col("perturbation") < 0)
    if negative.height:
        n, d = negative.row(0)[:2]
        raise _fail(path, f"count {n}: perturbation {d} would publish a negative count")
    # Cell keys 0..4095 covered exactly once per count: sorted intervals must start at 0, each
    # begin one after the previous ends, and the last end at 4095.
    ordered = table.sort("count", "ckey_from").with_columns(
        expected_from=(pl.col("ckey_to").shift(1).over("count") + 1).fill_null(0),
        last=pl.col("ckey_to").last().over("count"),
    )
    broken = ordered.filter(
        (pl.col("ckey_from") != pl.col("expected_from"))
        | (pl.col("ckey_to") < pl.col("ckey_from"))
        | (pl.col("last") != KEY_RANGE - 1)
    )
    if broken.height:
        n, key = broken.row(0)[0], broken.row(0)[2]
        raise _fail(
            path,
            f"count {n}: cell keys 0..{KEY_RANGE - 1} are not covered exactly once "
            f"(gap, overlap or wrong end near key {key})",
        )
    # Mean within 1/4096 of 0: |sum of keys * d| <= 1.
    totals = table.group_by("count").agg(
        (pl.col("perturbation") * (pl.col("ckey_to") - pl.col("ckey_from") + 1)).sum().alias("s")
    )
    biased = totals.filter(pl.col("s").abs() > 1).sort("count")
    if biased.height:
        n, total = biased.row(0)
        raise _fail(path, f"count {n}: mean perturbation {total}/{KEY_RANGE} is not 0")
    return top


@functools.cache
def _load(path: Path) -> PTable:
    table = _read(path)
    top = _validate(path, table)
    # Expand the intervals to one perturbation per (count, key): (N + 1) * 4096 small integers,
    # so applying the table is a single gather.
    lookup = (
        table.with_columns(key=pl.int_ranges("ckey_from", pl.col("ckey_to") + 1))
        .explode("key")
        .sort("count", "key")["perturbation"]
        .cast(pl.Int8)
    )
    return PTable(path=path, top_count=top, intervals=table, lookup=lookup)


def load_ptable(path: str | Path = DEFAULT_PTABLE) -> PTable:
    """The table at `path`, read and validated once per process; PTableError if it breaks a rule."""
    return _load(Path(path).resolve())


def perturbed(
    counts: pl.Expr | pl.Series, key_sums: pl.Expr | pl.Series, table: PTable | None = None
) -> pl.Expr | pl.Series:
    """True counts plus their perturbation, before the small-number rule.

    `key_sums` are the raw sums of each cell's record keys (any non-negative whole number, NULL
    for an empty cell, as SQL's sum gives); the cell key is that mod 4096. A count of 0 stays 0.
    NULL where the count is NULL or invalid (negative, or with a NULL or negative key sum).
    Use it on cells already aggregated (select, with_columns), not inside group_by().agg().
    """
    table = table or load_ptable()
    if isinstance(counts, pl.Series) and isinstance(key_sums, pl.Series):
        frame = pl.DataFrame({"n": counts, "k": key_sums})
        result = frame.select(perturbed(pl.col("n"), pl.col("k"), table)).to_series()
        return result.alias(counts.name)
    n = counts.cast(pl.Int64)
    # mod on the sum's own type (DuckDB's sum is a HUGEINT) before narrowing it.
    key = (key_sums % KEY_RANGE).cast(pl.Int64)
    index = n.clip(0, table.top_count) * KEY_RANGE + key  # always within the lookup, or NULL
    shift = pl.lit(table.lookup).gather(index).cast(pl.Int64)
    # Written as n + (...) so the result keeps the count column's name; no branch is NULL.
    return n + (
        pl.when(n == 0).then(pl.lit(0, pl.Int64)).when((n > 0) & (key_sums >= 0)).then(shift)
    )


def hidden(perturbed_counts: pl.Expr, min_count: int = MIN_COUNT) -> pl.Expr:
    """True where the small-number rule hides a perturbed count (1..min_count-1)."""
    return perturbed_counts.is_between(1, min_count - 1).fill_null(False)


def published(perturbed_counts: pl.Expr, min_count: int = MIN_COUNT) -> pl.Expr:
    """The small-number rule on perturbed counts: 1..min_count-1 -> NULL (hidden), <= 0 -> 0."""
    # when/then without otherwise: NULL where hidden, and the name of the column it is given.
    return pl.when(~hidden(perturbed_counts, min_count)).then(perturbed_counts.clip(lower_bound=0))


def perturb_counts(
    frame: pl.DataFrame,
    columns: Sequence[str],
    table: PTable | None = None,
    min_count: int = MIN_COUNT,
) -> pl.DataFrame:
    """The frame with each count column published: perturbed, then the small-number rule.

    Each column X needs X_key, the raw sum of its records' keys; the _key columns are dropped.
    A hidden count is NULL and named in the row's `suppressed` list (merged with any list the
    frame already has), the representation disclosure control uses, so display code is unchanged.
    """
    table = table or load_ptable()
    columns = sorted(set(columns))
    missing = [f"{c}{KEY_SUFFIX}" for c in columns if f"{c}{KEY_SUFFIX}" not in frame.columns]
    missing += [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"perturb_counts: no column {', '.join(missing)}")
    if columns:
        # A program error, not a normal state: fail loudly rather than publish a guess.
        problems = frame.select(
            pl.any_horizontal(
                (pl.col(c) < 0)
                | (pl.col(f"{c}{KEY_SUFFIX}") < 0)
                | (pl.col(c) > 0) & pl.col(f"{c}{KEY_SUFFIX}").is_null()
            )
            .any()
            .alias(c)
            for c in columns
        ).row(0, named=True)
        bad = [c for c, broken in problems.items() if broken]
        if bad:
            raise ValueError(
                f"perturb_counts: {', '.join(bad)}: a negative count or key sum, or a count "
                "above 0 without a key sum"
            )
    staged = frame.with_columns(
        perturbed(pl.col(c), pl.col(f"{c}{KEY_SUFFIX}"), table).alias(c) for c in columns
    )
    names = pl.concat_list(
        [pl.when(hidden(pl.col(c), min_count)).then(pl.lit(c)) for c in columns]
        or [pl.lit(None, pl.String)]
    ).list.drop_nulls()
    if SUPPRESSED in frame.columns:
        names = (
            pl.col(SUPPRESSED)
            .fill_null(pl.lit([], pl.List(pl.String)))
            .list.concat(names)
            .list.unique()
            .list.sort()
        )
    return staged.with_columns(
        *(published(pl.col(c), min_count).alias(c) for c in columns),
        names.cast(pl.List(pl.String)).alias(SUPPRESSED),
    ).drop(f"{c}{KEY_SUFFIX}" for c in columns)


def round_money(amount: pl.Expr) -> pl.Expr:
    """Money to the nearest £10, halves away from zero (£5 -> £10, -£5 -> -£10).

    Written with the floored remainder rather than `round`: polars cannot round a Decimal to a
    negative number of places, and dividing a Decimal by 10 first rounds it at its own scale
    (14.99 / 10 gives 1.50, which would round up). Decimals stay Decimal, integers stay whole.
    """
    size = amount.abs()
    remainder = size % 10
    nearest = pl.when(remainder >= 5).then(size - remainder + 10).otherwise(size - remainder)
    return pl.when(amount < 0).then(-nearest).otherwise(nearest)
