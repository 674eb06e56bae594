"""A trend chart with drift marks reads one result by month: the months drift needs, whose last
ones are the period's own (runner.drift_history), instead of the period and the history apart."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from jcp.measures import specs
from jcp.measures.access import Scope
from jcp.measures.filters import Filters
from jcp.measures.runner import MEASURES, MeasureRequest, Runner, drift_history

# By hand from sample_data/offices.csv: D02 has offices D02-O01 to D02-O08.
D02_OFFICES = frozenset(f"D02-O{n:02d}" for n in range(1, 9))
SCOPES = {
    "national": Scope.national(),
    "manager": Scope("district_manager", D02_OFFICES, "district manager: D02"),
    "leader": Scope("team_leader", frozenset({"D02-O03"}), "team leader: D02-O03"),
}
TRENDED = [m for m in MEASURES if specs.comparable_columns(m) and "month" in MEASURES[m].groupings]


def test_drift_history_by_hand() -> None:
    asked = MeasureRequest("deferrals", "2025-01", "2025-12", groups=("carer",))
    # 19 months before 2025-01: 12 back is 2024-01, 7 more is 2023-06.
    assert drift_history(asked) == MeasureRequest(
        "deferrals", "2023-06", "2025-12", by="month", groups=("carer",)
    )
    # Never before the first month a request may name.
    early = MeasureRequest("deferrals", "1901-03", "1901-04")
    assert drift_history(early).period_from == "1900-01"


@pytest.mark.parametrize("scope", SCOPES.values(), ids=SCOPES.keys())
@pytest.mark.parametrize(
    ("period_from", "period_to", "groups"),
    [("2025-11", "2026-10", ()), ("2026-03", "2026-05", ("carer",)), ("2024-01", "2024-12", ())],
)
def test_the_periods_months_are_the_historys_last(
    sample_runner: Runner, scope, period_from, period_to, groups
) -> None:
    """Every trended rate's measure: the period by month, and the history's months from the
    period's first, are one published frame (counts, rates, what is hidden)."""
    assert TRENDED  # job entries, deferrals, distance travelled and the rest
    for measure in TRENDED:
        request = MeasureRequest(measure, period_from, period_to, by="month", groups=groups)
        alone = sample_runner.run(request, scope)
        history = sample_runner.run(drift_history(request), scope)
        assert history.height > alone.height  # the 19 months before are there too
        assert alone.equals(history.filter(pl.col("month") >= period_from)), measure


def test_the_overviews_trend_makes_one_query_a_rate(sample_db: Path, monkeypatch) -> None:
    """The overview's three rates by month with their drift marks: three queries on a cold
    cache (one by month a rate, its history included); it was six (the period, then the
    history for drift)."""
    from jcp.web import data, results, signin

    monkeypatch.setenv("JCP_DB", str(sample_db))
    monkeypatch.setattr(signin, "current_scope", lambda: SCOPES["manager"])
    results.run_cached.clear()
    results.drift_cached.clear()
    engine = data.runner().engine
    asked: list[str] = []
    query = engine.query

    def counting(name: str, params: dict | None = None) -> pl.DataFrame:
        asked.append(f"{name} by {(params or {}).get('by')}")
        return query(name, params)

    monkeypatch.setattr(engine, "query", counting)
    trend = results.trend_frame(
        Filters("2025-11", "2026-10"),
        [
            ("job_entries", "sustained_13w_rate", "13-week sustained rate"),
            ("deferrals", "deferral_rate", "Deferral rate"),
            ("distance_travelled", "pct_improved", "Share improved (distance travelled)"),
        ],
    )
    assert asked == [
        "job_entries by month",
        "deferrals by month",
        "distance_travelled by month",
    ]
    # 12 months a rate, 2025-11 to 2026-10.
    assert trend.group_by("series").len().sort("series")["len"].to_list() == [12, 12, 12]
    # The job entries page's table by start month is those months too: no query of its own,
    # and what a request for the period by month publishes.
    cohorts = results.by_month(Filters("2025-11", "2026-10"), "job_entries")
    assert len(asked) == 3
    request = MeasureRequest("job_entries", "2025-11", "2026-10", by="month")
    assert cohorts.equals(data.runner().run(request, SCOPES["manager"]))
