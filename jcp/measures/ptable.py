"""The perturbation table's design: its parameters, its construction, and the CSV it is kept as."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Cell keys are 0..4095: (sum of the 12-bit record keys) mod 4096.
from jcp.extract.record_keys import KEY_RANGE

DEFAULT_PTABLE = Path(__file__).with_name("ptable.csv")
COLUMNS = ("count", "perturbation", "ckey_from", "ckey_to")


@dataclass(frozen=True)
class Design:
    """The documented parameters the table is generated from (docs/disclosure.md)."""

    # D: no published count differs from the true count by more than this.
    max_perturbation: int = 2
    # V: the variance of the perturbation for every count that allows it.
    variance: float = 1.0
    # N: counts above N use row N. Rows from D on are the same distribution (the support is
    # the whole of -D..D); 7 = min_count + D gives every count the publishing rule can hide
    # or zero (0..6) a row of its own, so the table reads directly where the risk is.
    top_count: int = 7


DESIGN = Design()


class DesignError(ValueError):
    """The parameters ask for something no table can give (a variance the support cannot)."""


def support(count: int, design: Design = DESIGN) -> np.ndarray:
    """The perturbations allowed for a true count n >= 1: -D..D, never below zero in total."""
    return np.arange(-min(count, design.max_perturbation), design.max_perturbation + 1)


def max_entropy(values: np.ndarray, variance: float) -> np.ndarray:
    """The maximum-entropy distribution over `values` with mean 0 and the given variance.

    It has the form p(d) ∝ exp(l1 d + l2 d²). The multipliers minimise the convex dual
    log Z(l) - l2 V, found by Newton's method with step halving (numpy only; scipy is not a
    dependency of the project and two unknowns do not need it).
    """
    features = np.vstack([values, values**2]).astype(float)
    target = np.array([0.0, variance])

    def dual(multipliers: np.ndarray) -> float:
        exponent = multipliers @ features
        top = exponent.max()
        return float(top + np.log(np.exp(exponent - top).sum()) - multipliers @ target)

    def probabilities(multipliers: np.ndarray) -> np.ndarray:
        exponent = multipliers @ features
        weights = np.exp(exponent - exponent.max())
        return weights / weights.sum()

    multipliers = np.zeros(2)
    for _ in range(200):
        p = probabilities(multipliers)
        moments = features @ p
        gradient = moments - target
        if np.abs(gradient).max() < 1e-13:
            return p
        hessian = (features * p) @ features.T - np.outer(moments, moments)
        step = np.linalg.solve(hessian, gradient)
        size, current = 1.0, dual(multipliers)
        while dual(multipliers - size * step) > current and size > 1e-12:
            size /= 2
        multipliers = multipliers - size * step
    raise DesignError(f"maximum entropy over {values.tolist()} did not converge")


def probabilities(count: int, design: Design = DESIGN) -> tuple[np.ndarray, np.ndarray]:
    """The perturbations allowed for `count` and their exact (real-valued) probabilities."""
    if count == 0:
        return np.zeros(1, dtype=np.int64), np.ones(1)  # zero stays zero
    values = support(count, design)
    # With mean 0 on -m..D the largest variance is m*D (all weight on the two ends).
    most = min(count, design.max_perturbation) * design.max_perturbation
    if not 0 < design.variance < most:
        raise DesignError(
            f"count {count}: variance {design.variance} is not possible with mean 0 and "
            f"perturbations {values[0]}..{values[-1]} (it must be above 0 and below {most})"
        )
    return values, max_entropy(values, design.variance)


def key_counts(values: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Whole numbers of cell keys per perturbation: summing to KEY_RANGE, mean 0 if possible.

    Start from round(p * 4096), then try every change of -3..+3 keys on each non-zero
    perturbation (the zero perturbation takes up the difference) and keep the one with the
    smallest |sum of keys * d| (so the realised mean is 0, or 1/4096 at worst), then the one
    closest to the exact probabilities. At most 7^4 candidates: cheap and deterministic.
    """
    ideal = probs * KEY_RANGE
    base = np.rint(ideal).astype(np.int64)
    if len(values) == 1:
        return np.array([KEY_RANGE])
    zero = int(np.flatnonzero(values == 0)[0])
    others = [i for i in range(len(values)) if i != zero]
    best: tuple[tuple[int, float], np.ndarray] | None = None
    for changes in itertools.product(range(-3, 4), repeat=len(others)):
        keys = base.copy()
        keys[others] += changes
        keys[zero] = KEY_RANGE - keys[others].sum()
        if (keys < 0).any():
            continue
        score = (abs(int(keys @ values)), float(((keys - ideal) ** 2).sum()))
        if best is None or score < best[0]:
            best = (score, keys)
    assert best is not None  # the unchanged rounding is always a candidate
    return best[1]


@dataclass(frozen=True)
class Row:
    """One true count's perturbations, their whole numbers of keys, and what they realise."""

    count: int
    values: tuple[int, ...]
    keys: tuple[int, ...]

    @property
    def mean(self) -> float:
        return float(np.dot(self.keys, self.values)) / KEY_RANGE

    @property
    def variance(self) -> float:
        second = float(np.dot(self.keys, np.square(self.values))) / KEY_RANGE
        return second - self.mean**2


def rows(design: Design = DESIGN) -> list[Row]:
    """The table: one Row per true count 0..N."""
    table = []
    for count in range(design.top_count + 1):
        values, probs = probabilities(count, design)
        keys = key_counts(values, probs)
        kept = keys > 0  # a perturbation rounded to no keys cannot happen: leave it out
        table.append(Row(count, tuple(values[kept].tolist()), tuple(keys[kept].tolist())))
    return table


def csv_text(design: Design = DESIGN) -> str:
    """The table as the CSV committed beside this module, with its design in a header comment."""
    table = rows(design)
    lines = [
        "# Perturbation table for the cell-key method (docs/disclosure.md; jcp.measures.ptable).",
        "# Generated by `python -m jcp ptable`; do not edit by hand (a test regenerates it).",
        f"# cell keys 0..{KEY_RANGE - 1}: (sum of the cell's record keys) mod {KEY_RANGE}",
        f"# D (max_perturbation) = {design.max_perturbation}",
        f"# V (variance) = {design.variance}",
        f"# N (top_count) = {design.top_count}: counts above {design.top_count} use its row",
        "# construction: for each count n, maximum entropy p(d) ~ exp(l1 d + l2 d^2) over",
        "#   -min(n, D) <= d <= D with mean 0 and variance V; n = 0 gets d = 0",
        f"# keys per d: round(p * {KEY_RANGE}), adjusted to sum to {KEY_RANGE} with mean 0",
        "# publishing rule (applied after the table, jcp.measures.perturbation.published):",
        "#   published = n + d; 1..min_count-1 ([disclosure] min_count = 5) is shown as [c]",
        "# ckey_from and ckey_to are both inclusive",
        "# realised per count: mean (in keys/4096) and variance",
    ]
    for row in table:
        lines.append(
            f"#   n = {row.count}: mean {round(row.mean * KEY_RANGE)}/{KEY_RANGE}, "
            f"variance {row.variance:.6f}"
        )
    lines.append(",".join(COLUMNS))
    for row in table:
        start = 0
        for value, keys in zip(row.values, row.keys, strict=True):
            lines.append(f"{row.count},{value},{start},{start + keys - 1}")
            start += keys
    return "\n".join(lines) + "\n"


def write(path: Path = DEFAULT_PTABLE, design: Design = DESIGN) -> list[Row]:
    """Write the table's CSV to `path`; the rows, for the command line's summary."""
    path.write_text(csv_text(design), encoding="utf-8", newline="\n")
    return rows(design)
