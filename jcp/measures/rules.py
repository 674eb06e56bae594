"""The kinds of disclosure rule a measure's figures can have (jcp.measures.disclosure applies them).

Each measure's rules are made up from its spec's columns (jcp.measures.specs): a column's `protect`
names one of these, with the columns it depends on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ratio:
    """A rate that is a ratio of two published counts, recomputed from them (times `scale`:
    100 for a figure per 100)."""

    column: str
    numerator: str
    denominator: str
    scale: float = 1


@dataclass(frozen=True)
class Gated:
    """A mean or median over a population: hidden when the population is small, and rounded.

    Rounded because an exact mean is a ratio whose exact value can give back the true count
    it is over (a mean of whole-number changes over n claims is a fraction with denominator
    n, and only the true n of the five a published count allows fits it), and with the true
    counts, differencing works again. To `decimals` places the fit is no longer unique.
    """

    column: str
    population: str  # the published count it is over
    decimals: int | None  # rounded to this many places (None: a median, already coarse)
    minimum: str = "min_denominator"  # which threshold applies


@dataclass(frozen=True)
class PerCount:
    """A figure proportional to a count (claims per coach), scaled to the published count."""

    column: str
    count: str
    decimals: int


@dataclass(frozen=True)
class MoneyMean:
    """An average amount per payment (the average FSF award): the rounded money over the
    published payments, rounded to £10 again.

    Over the true payments, the average beside the rounded spend gave back the true count (of
    the five a published count allows, only the true one fitted). Over the published payments
    but to the pound, average x published payments gave back the rounded claimants' spend, and
    the spend less that gave back a single partnership grant to within £10. To £10, that
    product is off by up to £5 a payment.
    """

    column: str
    payments: str


@dataclass(frozen=True)
class Money:
    """An amount of money from payments: rounded to £10, hidden under min_payments payments."""

    column: str
    payments: str


@dataclass(frozen=True)
class Share:
    """Money against a fixed amount (spend against allocation), from the rounded money."""

    column: str
    money: str  # a Money column of the same measure
    of: str  # an Exact column


@dataclass(frozen=True)
class Curve:
    """A Kaplan-Meier curve over a group's steps (weeks), with its 95% band: recomputed from the
    published at-risk and event counts, and cut ([c]) from the first step whose published
    at-risk count is under min_denominator to the end of the group's curve.

    Recomputed, not taken from the true counts: the curve's step from one week to the next is
    1 - events / at_risk, a ratio whose exact value gives back the true counts it is over (as
    an exact mean does, Gated), and rounding does not stop that while at_risk is a few tens.
    From the published counts, every figure of the curve is a function of figures already
    published (or, for an events count hidden as 1 to 4, of its perturbed value, never the true
    one), so differencing two curves gives noise, as differencing two counts does. Cut to the
    end: at-risk counts only fall, so once a group is small it stays small, and a curve that
    went on would be a curve over a few people.
    """

    column: str  # the survival estimate
    at_risk: str  # a count: at risk at the start of the step
    events: str  # a count: events in the step
    low: str | None = None  # the band's columns (curve_bound), if the spec has them
    high: str | None = None


@dataclass(frozen=True)
class Rules:
    counts: tuple[str, ...] = ()
    ratios: tuple[Ratio, ...] = ()
    gated: tuple[Gated, ...] = ()
    per_count: tuple[PerCount, ...] = ()
    money_means: tuple[MoneyMean, ...] = ()
    money: tuple[Money, ...] = ()
    shares: tuple[Share, ...] = ()
    curves: tuple[Curve, ...] = ()
    curve_step: str | None = None  # curves: the step column (a key, not a figure)
    exact: tuple[str, ...] = ()  # figures about no one, shown as they are
    # (part, whole) pairs of counts, outer wholes first: where the whole is published as 0 the
    # part is too. Perturbed apart, a part shown as [c] beside a whole shown as 0 would prove
    # that 0 is somebody.
    within: tuple[tuple[str, str], ...] = ()
    # Companions: the measure their parts add up to, and which of its counts each part column
    # adds up to; where that count is published as 0, so is the part.
    parent: str | None = None
    parent_columns: tuple[tuple[str, str], ...] = ()
    unprotected: bool = False  # operational lists, not statistics

    @property
    def figures(self) -> set[str]:
        """Every output column these rules cover."""
        return {
            *self.counts,
            *(r.column for r in self.ratios),
            *(g.column for g in self.gated),
            *(c.column for c in self.per_count),
            *(m.column for m in self.money_means),
            *(m.column for m in self.money),
            *(s.column for s in self.shares),
            *(c.column for c in self.curves),
            *(b for c in self.curves for b in (c.low, c.high) if b),
            *self.exact,
        }
