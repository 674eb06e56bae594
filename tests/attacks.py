"""Five ways a determined user could try to work out hidden small numbers, using only figures
they may see (`Runner.run` in their own scope), scored against the true figures.

Each attack returns a `Score`: the target cells (small true counts the published tables do not
show), how many of them the attack put a number on, how many of those numbers were exactly
right, and the hit rate of the best guess an attacker could make without the attack (always
naming the commonest true value among the targets). Under per-request suppression every
differencing attack was always right; under perturbation it must be no better than that guess.

Only the runner's public interface is used, so the same code scores any disclosure method (the
closing note of the perturbation issue quotes it on the per-request suppression it replaced).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal

import polars as pl

from jcp.measures.access import Scope
from jcp.measures.runner import MeasureRequest, Runner, months_between, shift_months

# What a published figure tells an attacker who knows the method. Per-request suppression:
# a [c] is 1 to 4, a shown figure is exact. Perturbation (docs/disclosure.md): a shown count is
# within 2 of the truth, a [c] is a true 1 to 6, a 0 is a true 0 to 2.
SUPPRESSION_BOUNDS = {"hidden": (1, 4), "zero": (0, 0), "slack": 0}
PERTURBATION_BOUNDS = {"hidden": (1, 6), "zero": (0, 2), "slack": 2}

# Count columns an attacker would go after, per measure (the people-counts of each table).
TARGETS = {
    "deferrals": ("wfis_due", "deferred", "waived"),
    "job_entries": ("job_entries", "sustained_13w"),
    "caseload": ("new_claims", "off_flows"),
    "fsf_spend": ("payments", "recipients"),
}
GROUPS = ("jobseeker", "lone_parent", "health_condition", "carer", "other")


@dataclass
class Score:
    """How one attack did over all its target cells."""

    name: str
    targets: int = 0
    estimated: int = 0
    exact: int = 0
    truths: Counter = field(default_factory=Counter)  # of every target
    published_hits: int = 0  # average award: targets whose published count is the truth
    exposed: int = 0  # zero cover: published 0s shown to be somebody
    estimated_truths: Counter = field(default_factory=Counter)  # of the targets estimated

    def add(self, truth: int, estimate: int | None) -> None:
        self.targets += 1
        self.truths[truth] += 1
        if estimate is not None:
            self.estimated += 1
            self.estimated_truths[truth] += 1
            self.exact += estimate == truth

    @property
    def hit_rate(self) -> float:
        return self.exact / self.targets if self.targets else 0.0

    @property
    def guess_rate(self) -> float:
        """Right answers from naming the commonest true value for every target: no attack."""
        return max(self.truths.values()) / self.targets if self.targets else 0.0

    @property
    def estimate_hit_rate(self) -> float:
        """Of the targets the attack put a number on, the share it got exactly right."""
        return self.exact / self.estimated if self.estimated else 0.0

    @property
    def estimate_guess_rate(self) -> float:
        """The blind guess's hit rate on the same targets the attack put a number on."""
        truths = self.estimated_truths
        return max(truths.values()) / self.estimated if self.estimated else 0.0

    def line(self) -> str:
        return (
            f"{self.name:<20} targets {self.targets:>5}  estimated {self.estimated:>5}  "
            f"exact {self.exact:>5} ({self.estimate_hit_rate:6.1%} of estimates; blind guess "
            f"{self.estimate_guess_rate:6.1%})"
        )


def leader(office: str) -> Scope:
    """A team leader who sees one office: the narrowest scope, where small cells are."""
    return Scope("team_leader", frozenset({office}), f"team leader: {office}")


def _value(frame: pl.DataFrame, column: str, row: int = 0) -> int | None:
    """A published count, or None when it is hidden."""
    value = frame[column][row]
    return None if value is None else int(value)


def _truth(runner: Runner, request: MeasureRequest) -> pl.DataFrame:
    return runner.run(request, Scope.national(), unsuppressed=True)


def overlapping_periods(runner: Runner, offices: list[str], period: tuple[str, str]) -> Score:
    """A month the month table hides = total to that month - total to the month before."""
    score = Score("overlapping periods")
    first, last = period
    months = months_between(first, last)
    for office in offices:
        scope = leader(office)
        for measure, columns in TARGETS.items():
            base = MeasureRequest(measure, first, last, offices=(office,))
            by_month = runner.run(replace(base, by="month"), scope)
            if not any(by_month[c].null_count() for c in columns):
                continue  # nothing hidden: nothing to work out
            truth = _truth(runner, replace(base, by="month"))
            totals: dict[str, pl.DataFrame] = {}  # from the first month to each month, as asked
            for index, month in enumerate(months[1:], start=1):
                for column in columns:
                    if _value(by_month, column, index) is not None:
                        continue  # shown: nothing to work out
                    true = int(truth[column][index])
                    upper = _value(_total_to(runner, base, scope, month, totals), column)
                    lower = _value(
                        _total_to(runner, base, scope, months[index - 1], totals), column
                    )
                    estimate = None if upper is None or lower is None else upper - lower
                    score.add(true, estimate)
    return score


def _total_to(
    runner: Runner, base: MeasureRequest, scope: Scope, month: str, asked: dict
) -> pl.DataFrame:
    """The total from the period's first month to `month`, as a user could ask (once each)."""
    if month not in asked:
        asked[month] = runner.run(replace(base, period_to=month), scope)
    return asked[month]


def bounds(runner: Runner, offices: list[str], period: tuple[str, str], semantics: dict) -> Score:
    """Hidden months under a total: where the bounds leave one value, the attacker has it.

    E.g. under suppression four [c] months (each 1 to 4) under a [c] total (at most 4) must each
    be 1. `semantics` says what a published figure bounds (SUPPRESSION_ or PERTURBATION_BOUNDS).
    """
    score = Score("bounds")
    first, last = period
    hidden_lo, hidden_hi = semantics["hidden"]
    zero_lo, zero_hi = semantics["zero"]
    slack = semantics["slack"]

    def range_of(value: int | None) -> tuple[int, int]:
        if value is None:
            return hidden_lo, hidden_hi
        if value == 0:
            return zero_lo, zero_hi
        return max(0, value - slack), value + slack

    for office in offices:
        scope = leader(office)
        for measure, columns in TARGETS.items():
            request = MeasureRequest(measure, first, last, offices=(office,))
            by_month = runner.run(replace(request, by="month"), scope)
            total = runner.run(request, scope)
            truth = _truth(runner, replace(request, by="month"))
            for column in columns:
                cells = [_value(by_month, column, i) for i in range(by_month.height)]
                hidden = [i for i, v in enumerate(cells) if v is None]
                if not hidden:
                    continue
                total_lo, total_hi = range_of(_value(total, column))
                ranges = [range_of(v) for v in cells]
                for i in hidden:
                    others_lo = sum(lo for j, (lo, _) in enumerate(ranges) if j != i)
                    others_hi = sum(hi for j, (_, hi) in enumerate(ranges) if j != i)
                    lo = max(ranges[i][0], total_lo - others_hi)
                    hi = min(ranges[i][1], total_hi - others_lo)
                    score.add(int(truth[column][i]), lo if lo == hi else None)
    return score


def complements(runner: Runner, offices: list[str], period: tuple[str, str]) -> Score:
    """A claimant group hidden on its own = all groups - the other four groups."""
    score = Score("complements")
    first, last = period
    for office in offices:
        scope = leader(office)
        for measure, columns in TARGETS.items():
            if measure == "fsf_spend":
                continue  # partnership grants have no group: all groups is not their sum
            request = MeasureRequest(measure, first, last, offices=(office,))
            each = {g: runner.run(replace(request, groups=(g,)), scope) for g in GROUPS}
            if not any(each[g][c].null_count() for g in GROUPS for c in columns):
                continue  # nothing hidden: nothing to work out
            everyone = runner.run(request, scope)
            for group in GROUPS:
                hidden = [c for c in columns if _value(each[group], c) is None]
                if not hidden:
                    continue
                truth = _truth(runner, replace(request, groups=(group,)))
                for column in hidden:
                    parts = [_value(each[g], column) for g in GROUPS if g != group]
                    whole = _value(everyone, column)
                    estimate = (
                        None
                        if whole is None or any(p is None for p in parts)
                        else whole - sum(parts)  # type: ignore[arg-type]
                    )
                    score.add(int(truth[column][0]), estimate)
    return score


def stock_and_flow(runner: Runner, offices: list[str], period: tuple[str, str]) -> Score:
    """New claims in a month = live at its end - live at the month before's end + off-flows."""
    score = Score("stock and flow")
    first, last = period
    for office in offices:
        scope = leader(office)
        # One month before the period, so its first month has a caseload to start from.
        request = MeasureRequest(
            "caseload", shift_months(first, -1), last, by="month", offices=(office,)
        )
        table = runner.run(request, scope)
        truth = _truth(runner, request)
        for i in range(1, table.height):
            if _value(table, "new_claims", i) is not None:
                continue
            live_now, live_before = (
                _value(table, "live_claims", i),
                _value(table, "live_claims", i - 1),
            )
            off = _value(table, "off_flows", i)
            estimate = (
                None if None in (live_now, live_before, off) else live_now - live_before + off  # type: ignore[operator]
            )
            score.add(int(truth["new_claims"][i]), estimate)
    return score


def single_grant(runner: Runner, offices: list[str], period: tuple[str, str]) -> tuple[Score, int]:
    """One partnership grant = spend - average award x payments to claimants.

    Scored on offices with exactly one grant in the period, in pence; also returned: how many
    estimates came within £10 of the grant.
    """
    score = Score("single grant")
    within_ten = 0
    first, last = period
    for office in offices:
        request = MeasureRequest("fsf_spend", first, last, offices=(office,))
        truth = _truth(runner, request)
        grants = int(truth["payments"][0]) - int(truth["claimant_payments"][0])
        if grants != 1:
            continue
        true_pence = round((Decimal(truth["spend_gbp"][0]) - _claimant_spend(truth)) * 100)
        shown = runner.run(request, leader(office))
        spend, average = shown["spend_gbp"][0], shown["avg_award_gbp"][0]
        payments = _value(shown, "claimant_payments")
        if spend is None or average is None or payments is None:
            score.add(true_pence, None)
            continue
        estimate = round((Decimal(str(spend)) - Decimal(str(average)) * payments) * 100)
        score.add(true_pence, estimate)
        within_ten += abs(estimate - true_pence) <= 1000
    return score, within_ten


def _claimant_spend(truth: pl.DataFrame) -> Decimal:
    # The true average award times the true payments to claimants: their exact spend.
    average = truth["avg_award_gbp"][0] or 0.0
    return Decimal(str(round(average * int(truth["claimant_payments"][0]), 2)))


ALL_BENEFITS = ("ESA", "IS", "JSA", "UC")


def average_award(runner: Runner, offices: list[str], periods: list[tuple[str, str]]) -> Score:
    """The true payments to claimants from spend and the average award (red team, 2026-11).

    With every benefit chosen, partnership grants drop out and spend is the claimants' spend S
    (to £10); if the average were S / n (to £1), n would lie in [(spend - 5) / (average +
    0.5), (spend + 5) / (average - 0.5)], narrower than 1 for typical awards: of the five
    counts the published one allows, only the true one would fit. Targets: every period shown
    with an average; the attack estimates where exactly one candidate fits. Compare with
    `published_hits`: how often the published count itself is the truth.
    """
    score = Score("average award")
    for office in offices:
        for first, last in periods:
            request = MeasureRequest(
                "fsf_spend", first, last, offices=(office,), benefits=ALL_BENEFITS
            )
            shown = runner.run(request, leader(office))
            spend, average = shown["spend_gbp"][0], shown["avg_award_gbp"][0]
            published = _value(shown, "claimant_payments")
            if spend is None or average is None or published is None or average <= 0.5:
                continue
            low = (float(spend) - 5) / (average + 0.5)
            high = (float(spend) + 5) / (average - 0.5)
            fits = [n for n in range(max(1, published - 2), published + 3) if low <= n <= high]
            true = int(_truth(runner, request)["claimant_payments"][0])
            score.add(true, fits[0] if len(fits) == 1 else None)
            score.published_hits += published == true
    return score


# A published 0 in the first column is shown as somebody if any of these is not 0 in its row.
PARTS = {
    "deferrals": {"wfis_due": ("deferred", "waived")},
    "fsf_spend": {"payments": ("claimant_payments", "recipients")},
    "job_entries": {"job_entries": ("mature_13w", "sustained_13w")},
    "caseload": {"off_flows": ("off_flows_to_work",)},
}
COMPANIONS = {
    ("deferrals", "wfis_due"): "deferral_reasons",
    ("fsf_spend", "payments"): "fsf_categories",
}


def zero_cover(runner: Runner, offices: list[str], period: tuple[str, str]) -> Score:
    """Whether a published 0 hides somebody, told from one request (red team, 2026-11).

    A part shown as [c] or more beside its whole shown as 0 (deferred beside interviews due),
    or a companion's part (a deferral reason, an FSF category) shown under a 0, proves the 0 is
    somebody. Targets: every whole published as 0 in the office-by-month tables; the estimate
    is 1 where a part says so and 0 otherwise; exact when that matches whether the truth is 0.
    """
    score = Score("zero cover")
    first, last = period
    for office in offices:
        scope = leader(office)
        for measure, wholes in PARTS.items():
            request = MeasureRequest(measure, first, last, by="month", offices=(office,))
            shown = runner.run(request, scope)
            truth = _truth(runner, request)
            for whole, parts in wholes.items():
                companion = COMPANIONS.get((measure, whole))
                shown_parts = (
                    runner.run(replace(request, measure=companion), scope) if companion else None
                )
                for i in range(shown.height):
                    if shown[whole][i] != 0:
                        continue
                    month = shown["month"][i]
                    evidence = any(shown[p][i] != 0 for p in parts)  # NULL ([c]) is not 0
                    if shown_parts is not None:
                        rows = shown_parts.filter(pl.col("month") == month)
                        count = "payments" if "payments" in rows.columns else "deferred"
                        evidence |= any(v != 0 for v in rows[count].to_list())
                    true = int(truth[whole][i])
                    score.add(min(true, 1), 1 if evidence else 0)
                    score.exposed += evidence and true > 0
    return score
