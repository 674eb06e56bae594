"""Each page's opening sentences (jcp.web.summaries): figures as the tiles write them, changes
against the previous period, verdicts for one unit only, hidden figures never said; and on the
pages, as plain text and as the main chart's accessible description."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import replace

import polars as pl
import pytest
from markup import as_shown

from jcp.measures.access import Scope
from jcp.measures.filters import Filters, default_filters
from jcp.measures.network import Catalogue
from jcp.measures.runner import MeasureRequest, RequestError
from jcp.web import summaries
from jcp.web.pages import FIGURE_PAGES, PAGES
from jcp.web.summaries import NOTHING_SHOWN, Sources, verdict_phrase, verdict_unit

CATALOGUE = Catalogue(
    extract_date=dt.date(2026, 10, 31),
    district_names={"D01": "Leeds", "D02": "Bradford & Keighley"},
    office_districts={"D01-O1": "D01", "D01-O2": "D01", "D02-O1": "D02"},
    office_names={"D01-O1": "Leeds City", "D01-O2": "Seacroft", "D02-O1": "Keighley"},
    first_month="2024-01",
)
NATIONAL = Scope.national()
LEEDS_MANAGER = Scope("district_manager", frozenset({"D01-O1", "D01-O2"}), "district manager")
KEIGHLEY_LEADER = Scope("team_leader", frozenset({"D02-O1"}), "team leader: D02-O1")
# Six months; the one before is 2025-10 to 2026-03 (Filters.previous_period).
PERIOD = Filters("2026-04", "2026-09")
NOW, BEFORE = "2026-04", "2025-10"


def total(hidden: tuple[str, ...] = (), **cells: object) -> pl.DataFrame:
    """A by=total result row as the runner publishes it: `hidden` cells listed in `suppressed`.

    The hidden cells keep a value here on purpose (the runner would have made them NULL): a
    sentence that says it, or works a change out of it, fails the tests below.
    """
    return pl.DataFrame([{**cells, "suppressed": list(hidden)}])


def sources_for(
    frames: dict[tuple[str, str], pl.DataFrame],
    scope: Scope = NATIONAL,
    filters: Filters = PERIOD,
    compared: pl.DataFrame | Exception | None = None,
    catalogue: Catalogue = CATALOGUE,
    loads: pl.DataFrame | None = None,
) -> tuple[Sources, list[tuple]]:
    """Sources answering from hand-built frames, keyed (measure, first month of the period);
    and the list of the comparisons asked for."""
    asked: list[tuple] = []

    def run(request: MeasureRequest) -> pl.DataFrame:
        return frames[(request.measure, request.period_from)]  # a missing one is a test error

    def compare(chosen: Filters, measure: str, column: str, unit: str) -> pl.DataFrame:
        asked.append((chosen, measure, column, unit))
        if isinstance(compared, Exception):
            raise compared
        assert compared is not None, "no comparison expected"
        return compared

    def report(name: str) -> pl.DataFrame:
        assert name == "loads" and loads is not None
        return loads

    return Sources(run, compare, report, filters, scope, catalogue), asked


def job_frames(
    now: pl.DataFrame, then: pl.DataFrame, restarts_now: pl.DataFrame, restarts_then: pl.DataFrame
) -> dict[tuple[str, str], pl.DataFrame]:
    return {
        ("job_entries", NOW): now,
        ("job_entries", BEFORE): then,
        ("claim_restarts", NOW): restarts_now,
        ("claim_restarts", BEFORE): restarts_then,
    }


# ---- changes -------------------------------------------------------------------------------


def test_changes_up_down_and_unchanged_as_the_tiles_write_the_figures() -> None:
    frames = job_frames(
        # 1,234 > 1,000: up. 0.61 -> "61.0%" < 0.6149 -> "61.5%": down. 0.5 and 0.50004 are
        # both "50.0%" as written: unchanged, whatever the digits beyond. 0.025 -> "2.5%" is up
        # from 0.02 -> "2.0%".
        total(job_entries=1234, sustained_13w_rate=0.61, sustained_26w_rate=0.5),
        total(job_entries=1000, sustained_13w_rate=0.6149, sustained_26w_rate=0.50004),
        total(restart_rate_182d=0.025),
        total(restart_rate_182d=0.02),
    )
    sources, asked = sources_for(frames)
    assert summaries.job_entries(sources) == [
        # The period is named at the page's first change only.
        "There were 1,234 job entries (up from 1,000 in the previous 6 months).",
        "The 13-week sustained rate was 61.0% (down from 61.5%).",
        "The 26-week sustained rate was 50.0% (unchanged); the 182-day restart rate was 2.5% "
        "(up from 2.0%).",
    ]
    assert asked == []  # a national user with nothing chosen: no verdict, no comparison


def test_a_one_month_period_and_money_and_means() -> None:
    month = Filters("2026-09", "2026-09")  # the one before: 2026-08
    frames = {
        ("fsf_spend", "2026-09"): total(payments=40, spend_gbp=4210, avg_award_gbp=110),
        ("fsf_spend", "2026-08"): total(payments=40, spend_gbp=5000, avg_award_gbp=110),
        ("fsf_uptake", "2026-09"): total(live_claims=200, uptake_per_100=12.5),
        ("fsf_uptake", "2026-08"): total(live_claims=190, uptake_per_100=12.25),
    }
    sources, _ = sources_for(frames, filters=month)
    assert summaries.fsf(sources) == [
        # £4,210 < £5,000: down; 40 payments both months: unchanged.
        "The FSF spend was £4,210 (down from £5,000 in the previous month) over 40 payments "
        "(unchanged).",
        "The average award was £110 (unchanged).",
        # 12.5 and 12.25 -> "12.5" and "12.2" (one place, round half to even): up.
        "There were 12.5 FSF recipients per 100 live claims (up from 12.2).",
    ]


def test_no_change_is_said_when_the_previous_period_starts_before_the_data() -> None:
    frames = job_frames(
        total(job_entries=1234, sustained_13w_rate=0.61, sustained_26w_rate=0.5),
        total(job_entries=10, sustained_13w_rate=0.2, sustained_26w_rate=0.1),
        total(restart_rate_182d=0.025),
        total(restart_rate_182d=0.02),
    )
    # The data starts in 2026-01, after the previous period's first month (2025-10): a
    # part-period would read as a rise.
    late = replace(CATALOGUE, first_month="2026-01")
    sources, _ = sources_for(frames, catalogue=late)
    assert summaries.job_entries(sources) == [
        "There were 1,234 job entries.",
        "The 13-week sustained rate was 61.0%.",
        "The 26-week sustained rate was 50.0%; the 182-day restart rate was 2.5%.",
    ]


# ---- hidden figures ------------------------------------------------------------------------


def test_a_hidden_figure_is_never_stated_nor_used_for_a_change() -> None:
    frames = job_frames(
        # Now: the count and the 13-week rate are hidden (too few), the 26-week rate is shown.
        total(
            hidden=("job_entries", "sustained_13w_rate"),
            job_entries=3,
            sustained_13w_rate=0.777,
            sustained_26w_rate=0.5,
        ),
        # Before: the 26-week rate is hidden, so no change can be said for it.
        total(
            hidden=("sustained_26w_rate",),
            job_entries=12,
            sustained_13w_rate=0.6,
            sustained_26w_rate=0.444,
        ),
        total(restart_rate_182d=0.025),
        total(hidden=("restart_rate_182d",), restart_rate_182d=0.333),
    )
    sources, _ = sources_for(frames)
    said = summaries.job_entries(sources)
    assert said == [
        "The 13-week sustained rate is not shown: too few people are behind it.",
        "The 26-week sustained rate was 50.0%; the 182-day restart rate was 2.5%.",
    ]
    text = " ".join(said)
    for secret in ("3 job", "77.7%", "44.4%", "33.3%", "12", "60.0%"):
        assert secret not in text


def test_a_page_whose_figures_are_all_hidden_says_so_and_no_more() -> None:
    hidden = ("claims_measured", "mean_change", "pct_improved")
    frames = {
        ("distance_travelled", NOW): total(
            hidden=hidden, claims_measured=4, mean_change=0.9, pct_improved=0.5
        ),
        ("distance_travelled", BEFORE): total(
            claims_measured=40, mean_change=0.5, pct_improved=0.4
        ),
    }
    sources, _ = sources_for(frames)
    assert summaries.distance_travelled(sources) == [
        "The share improved by 1+ is not shown: too few people are behind it."
    ]
    frames[("job_entries", NOW)] = total(
        hidden=("job_entries", "sustained_13w_rate", "sustained_26w_rate"),
        job_entries=4,
        sustained_13w_rate=None,
        sustained_26w_rate=None,
    )
    frames[("job_entries", BEFORE)] = total(
        job_entries=0, sustained_13w_rate=None, sustained_26w_rate=None
    )
    frames[("claim_restarts", NOW)] = total(restart_rate_182d=None)
    frames[("claim_restarts", BEFORE)] = total(restart_rate_182d=None)
    # Every figure hidden, the main rate included: only that it is hidden.
    assert summaries.job_entries(sources_for(frames)[0]) == [
        "The 13-week sustained rate is not shown: too few people are behind it."
    ]


def test_a_page_with_no_activity_says_nothing_and_one_all_hidden_says_why() -> None:
    frames = {
        ("job_survival", NOW): pl.DataFrame(
            {"week": [0, 12], "at_risk": [0, 0], "survival": [None, None], "suppressed": [[], []]}
        ),
        ("claim_survival", NOW): pl.DataFrame(
            {
                "week": [0, 12, 25],
                "at_risk": [6, 6, 6],
                "survival": [0.9, 0.8, 0.7],
                "suppressed": [["at_risk", "survival"]] * 3,
            }
        ),
    }
    sources, _ = sources_for(frames)
    # Jobs: no one (no sentence). Claims: people, every week of the curve hidden.
    assert summaries.survival(sources) == [NOTHING_SHOWN]
    frames[("claim_survival", NOW)] = frames[("job_survival", NOW)]
    assert summaries.survival(sources_for(frames)[0]) == []


def test_survival_says_the_13_and_26_week_shares_and_leaves_out_a_cut_week() -> None:
    def curve(values: list[float | None], hidden_from: int | None = None) -> pl.DataFrame:
        weeks = list(range(26))
        return pl.DataFrame(
            {
                "week": weeks,
                "at_risk": [50] * 26,
                "survival": values,
                "suppressed": [
                    ["survival"] if hidden_from is not None and w >= hidden_from else []
                    for w in weeks
                ],
            }
        )

    # Week 12 is the share after 13 completed weeks, week 25 after 26 (pages/survival.py).
    jobs = [1.0] * 12 + [0.8] * 13 + [0.65]
    jobs_before = [1.0] * 12 + [0.78] * 14
    claims = [1.0] * 12 + [0.7] * 14
    frames = {
        ("job_survival", NOW): curve(jobs),
        ("job_survival", BEFORE): curve(jobs_before),
        # The claims curve is cut from week 20: its 26-week share is hidden, and so is the
        # previous period's 13-week share.
        ("claim_survival", NOW): curve(claims, hidden_from=20),
        ("claim_survival", BEFORE): curve(claims, hidden_from=0),
    }
    assert summaries.survival(sources_for(frames)[0]) == [
        "Of the jobs started in the period, an estimated 80.0% were still in work after 13 weeks "
        "(up from 78.0% in the previous 6 months) and 65.0% after 26 weeks.",
        "Of the claims started in the period, an estimated 70.0% were not yet into work after "
        "13 weeks.",
    ]


# ---- verdicts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verdict", "better", "words"),
    [
        ("as_expected", "higher", "as expected"),
        ("lower_95", "higher", "lower than expected (95%), worse"),
        ("lower_998", "lower", "lower than expected (99.8%), better"),
        ("higher_998", "lower", "higher than expected (99.8%), worse"),
        ("higher_95", "higher", "higher than expected (95%), better"),
        # The deferral rate: deferring is sometimes right, so neither way is better.
        ("higher_95", "neither", "higher than expected (95%)"),
    ],
)
def test_verdict_phrase(verdict: str, better: str, words: str) -> None:
    assert verdict_phrase(verdict, better) == words


@pytest.mark.parametrize(
    ("scope", "filters", "unit"),
    [
        (NATIONAL, PERIOD, None),  # the nation is no unit
        (NATIONAL, Filters(NOW, "2026-09", districts=("D01",)), ("district", "D01")),
        (NATIONAL, Filters(NOW, "2026-09", offices=("D01-O2",)), ("office", "D01-O2")),
        # Two offices of two districts: not one unit.
        (NATIONAL, Filters(NOW, "2026-09", offices=("D01-O2", "D02-O1")), None),
        # Both of Leeds's offices chosen: Leeds.
        (NATIONAL, Filters(NOW, "2026-09", offices=("D01-O1", "D01-O2")), ("district", "D01")),
        (LEEDS_MANAGER, PERIOD, ("district", "D01")),
        (LEEDS_MANAGER, Filters(NOW, "2026-09", offices=("D01-O1",)), ("office", "D01-O1")),
        (KEIGHLEY_LEADER, PERIOD, ("office", "D02-O1")),
        # A team leader of one office of Leeds and Keighley's office: two units.
        (Scope("team_leader", frozenset({"D01-O1", "D02-O1"})), PERIOD, None),
        # A team leader of one of Leeds's two offices sees an office, never the district.
        (
            Scope("team_leader", frozenset({"D01-O1"})),
            Filters(NOW, "2026-09", districts=("D01",)),
            ("office", "D01-O1"),
        ),
    ],
)
def test_the_unit_a_verdict_is_for(scope: Scope, filters: Filters, unit) -> None:
    assert verdict_unit(filters, scope, CATALOGUE) == unit


def deferral_frames(overdue: int) -> dict[tuple[str, str], pl.DataFrame]:
    return {
        ("wfi_timeliness", NOW): total(
            interviews_expected=200, timeliness_rate=0.185, fta_rate=0.05
        ),
        ("wfi_timeliness", BEFORE): total(
            interviews_expected=180, timeliness_rate=0.2, fta_rate=0.05
        ),
        ("deferrals", NOW): total(wfis_due=150, deferral_rate=0.14),
        ("deferrals", BEFORE): total(wfis_due=150, deferral_rate=0.12),
        ("deferral_followup", NOW): total(deferrals_due=0, followup_rate=None),
        ("deferral_followup", BEFORE): total(deferrals_due=20, followup_rate=0.75),
        ("overdue_deferrals", NOW): pl.DataFrame({"claim_id": [f"C{i}" for i in range(overdue)]}),
    }


def test_a_district_managers_deferral_rate_verdict_has_no_better_or_worse() -> None:
    compared = pl.DataFrame({"district_code": ["D01"], "target": [0.126], "verdict": ["higher_95"]})
    sources, asked = sources_for(deferral_frames(19), LEEDS_MANAGER, compared=compared)
    assert summaries.deferrals(sources) == [
        # 0.185 -> "18.5%" (round half to even at 18.5) down from "20.0%"; 5.0% both periods.
        "18.5% of first interviews expected were held within four days (down from 20.0% in the "
        "previous 6 months) and 5.0% were not attended (unchanged).",
        "The deferral rate was 14.0% (up from 12.0%); against the national rate of 12.6%, "
        "Leeds is higher than expected (95%).",
        # No deferrals due now: no follow-up sentence (and nothing about the previous 75.0%).
        "19 deferred interviews are overdue as at 31 October 2026.",
    ]
    assert asked == [(PERIOD, "deferrals", "deferral_rate", "district")]


@pytest.mark.parametrize(
    ("verdict", "said"),
    [
        ("lower_95", "lower than expected (95%), worse"),
        ("higher_998", "higher than expected (99.8%), better"),
        ("as_expected", "as expected"),
    ],
)
def test_a_team_leaders_sustained_rate_verdict_says_better_or_worse(verdict, said) -> None:
    compared = pl.DataFrame(
        {
            "district_code": ["D02", "D02"],
            "office_code": ["D02-O0", "D02-O1"],
            "target": [0.5, 0.664],
            "verdict": ["lower_998", verdict],
        }
    )
    frames = job_frames(
        total(job_entries=80, sustained_13w_rate=0.61, sustained_26w_rate=None),
        total(job_entries=80, sustained_13w_rate=0.61, sustained_26w_rate=None),
        total(restart_rate_182d=None),
        total(restart_rate_182d=None),
    )
    sources, asked = sources_for(frames, KEIGHLEY_LEADER, compared=compared)
    assert summaries.job_entries(sources) == [
        "There were 80 job entries (unchanged from the previous 6 months).",
        # Keighley's row (D02-O1), not the other office's: target 66.4%.
        f"The 13-week sustained rate was 61.0% (unchanged); against the national rate of 66.4%, "
        f"Keighley is {said}.",
    ]
    assert asked == [(PERIOD, "job_entries", "sustained_13w_rate", "office")]


@pytest.mark.parametrize(
    "compared",
    [
        # Too few to place: no verdict.
        pl.DataFrame({"office_code": ["D02-O1"], "target": [0.66], "verdict": [None]}),
        # No published national rate to compare with.
        RequestError("no national 13-week sustained rate for this period and filters"),
    ],
)
def test_no_verdict_when_the_unit_cannot_be_placed(compared) -> None:
    frames = job_frames(
        total(job_entries=80, sustained_13w_rate=0.61, sustained_26w_rate=None),
        total(job_entries=80, sustained_13w_rate=0.6, sustained_26w_rate=None),
        total(restart_rate_182d=None),
        total(restart_rate_182d=None),
    )
    sources, _ = sources_for(frames, KEIGHLEY_LEADER, compared=compared)
    assert summaries.job_entries(sources)[1] == (
        "The 13-week sustained rate was 61.0% (up from 60.0%)."
    )


def test_no_verdict_for_a_national_user_on_any_page(sample_runner) -> None:
    filters = default_filters(sample_runner.catalogue)

    def never(chosen: Filters, measure: str, column: str, unit: str) -> pl.DataFrame:
        pytest.fail(f"compared {measure}.{column} by {unit} for a national user")

    for page in summaries.PAGES:
        sources = replace(_sample_sources(sample_runner, NATIONAL, filters)[0], compare=never)
        said = " ".join(summaries.summary(page, sources))
        assert said and "against the national rate" not in said, page


# ---- the overview, the data page, the worklist ---------------------------------------------


def test_the_overview_states_sizes_the_main_rate_and_the_other_headlines() -> None:
    frames = {
        ("caseload", NOW): total(live_claims=8051, new_claims=0),
        ("caseload", BEFORE): total(live_claims=6710, new_claims=0),
        ("job_entries", NOW): total(job_entries=3252, sustained_13w_rate=0.666),
        ("job_entries", BEFORE): total(job_entries=2103, sustained_13w_rate=0.651),
        ("deferrals", NOW): total(deferral_rate=0.126),
        ("deferrals", BEFORE): total(deferral_rate=0.259),
        ("distance_travelled", NOW): total(hidden=("mean_change",), mean_change=0.9),
        ("distance_travelled", BEFORE): total(mean_change=0.8),
        ("fsf_spend", NOW): total(spend_gbp=720630),
        ("fsf_spend", BEFORE): total(spend_gbp=669220),
    }
    assert summaries.overview(sources_for(frames)[0]) == [
        # 0 new claims both periods: "no new claims", unchanged.
        "There were 8,051 live claims (up from 6,710 in the previous 6 months), no new claims "
        "(unchanged) and 3,252 job entries (up from 2,103).",
        "The 13-week sustained rate was 66.6% (up from 65.1%).",
        # The mean distance travelled is hidden now: left out. Labels are the tiles' own.
        "The deferral rate was 12.6% (down from 25.9%); the FSF spend was £720,630 (up from "
        "£669,220).",
    ]


@pytest.mark.parametrize(
    ("rejected", "said"),
    [
        # 10 + 5 rows read, 9 + 5 accepted, 1 + 0 rejected.
        (1, "Of 15 rows read, 14 were accepted and 1 rejected: rejected rows are in no figure."),
        (0, "All 15 rows read met the data contract."),
    ],
)
def test_the_data_page_says_the_latest_load(rejected: int, said: str) -> None:
    loaded = dt.datetime(2026, 11, 2, 7, 5)
    loads = pl.DataFrame(
        {
            "extract_date": [dt.date(2026, 10, 31)] * 3,
            "loaded_at": [dt.datetime(2026, 10, 1, 7, 0), loaded, loaded],
            "rows_read": [999, 10, 5],
            "accepted": [999, 10 - rejected, 5],
            "rejected": [0, rejected, 0],
        }
    )
    sources, _ = sources_for({}, loads=loads)
    # An older load (999 rows) is left out: the latest load's rows only.
    assert summaries.data(sources) == [
        "The extract of 31 Oct 2026 was loaded on 02 Nov 2026 at 07:05.",
        said,
    ]


def test_the_overdue_worklist_is_counted_in_words() -> None:
    one = deferral_frames(1)
    assert summaries.deferrals(sources_for(one)[0])[-1] == (
        "1 deferred interview is overdue as at 31 October 2026."
    )
    none = deferral_frames(0)
    assert summaries.deferrals(sources_for(none)[0])[-1] == (
        "No deferred interview is overdue as at 31 October 2026."
    )


# ---- every page, on the sample -------------------------------------------------------------


def test_every_page_has_a_summary() -> None:
    """A page of figures added to jcp/web/pages.py without sentences fails here."""
    assert set(summaries.PAGES) == {page.url_path for page in FIGURE_PAGES}


def _sample_sources(runner, scope: Scope, filters: Filters) -> tuple[Sources, list]:
    """The runner's own figures, compared as the app compares them by default (over-dispersion
    and case mix on), with the Needs attention list for the attention page."""
    from jcp.config import Settings
    from jcp.measures.attention import attention, runner_sources

    asked: list = []
    settings = Settings()

    def compare(chosen: Filters, measure: str, column: str, unit: str) -> pl.DataFrame:
        asked.append((measure, column, unit))
        return runner.compare(
            chosen.compared().request(measure), column, unit, scope, adjusted=settings.case_mix
        )

    sources = Sources(
        lambda request: runner.run(request, scope),
        compare,
        lambda name: runner.report(name, scope),
        filters,
        scope,
        runner.catalogue,
        settings.case_mix,
        attention=lambda: attention(
            runner, filters, scope, settings, runner_sources(runner, scope, settings)
        ),
    )
    return sources, asked


def _scope(who: str, catalogue: Catalogue) -> Scope:
    """The sample's users: the nation, West Yorkshire's manager (D02), Salford's team leader."""
    if who == "district manager":
        offices = frozenset(o for o, d in catalogue.office_districts.items() if d == "D02")
        return Scope("district_manager", offices, "district manager: D02")
    if who == "team leader":
        return Scope("team_leader", frozenset({"D01-O02"}), "team leader: D01-O02")
    return NATIONAL


@pytest.mark.parametrize("who", ["national", "district manager", "team leader"])
@pytest.mark.parametrize("page", [page.url_path for page in FIGURE_PAGES])
def test_every_page_says_two_to_four_sentences_on_the_sample(sample_runner, page, who) -> None:
    scope = _scope(who, sample_runner.catalogue)
    sources, _ = _sample_sources(sample_runner, scope, default_filters(sample_runner.catalogue))
    said = summaries.summary(page, sources)
    assert 2 <= len(said) <= 4, said
    for sentence in said:
        assert sentence[0].isupper() or sentence[0].isdigit(), sentence
        assert sentence.endswith("."), sentence
        assert "[c]" not in sentence and "None" not in sentence, sentence


def test_a_managers_verdict_on_the_sample_is_the_runners(sample_runner) -> None:
    from jcp.measures.comparison import verdict_text

    scope = _scope("district manager", sample_runner.catalogue)
    filters = default_filters(sample_runner.catalogue)
    sources, asked = _sample_sources(sample_runner, scope, filters)
    said = summaries.job_entries(sources)
    # Adjusted for case mix, as the app compares by default; the phrase says so.
    compared = sample_runner.compare(
        filters.request("job_entries"), "sustained_13w_rate", "district", scope, adjusted=True
    ).row(0, named=True)
    assert compared["district_code"] == "D02"
    words = verdict_text(compared["verdict"], "higher").replace(
        "expected", "expected for this case mix", 1
    )
    assert said[1].endswith(
        f"; against the national rate of {compared['target']:.1%}, West Yorkshire is {words}."
    )
    assert asked == [("job_entries", "sustained_13w_rate", "district")]


# ---- on the pages --------------------------------------------------------------------------

# Each page's chart that carries the page's sentences as its description (by its title).
MAIN_CHARTS = {
    "overview": "Main rates by month",
    "distance_travelled": "Mean change per dimension",
    "job_entries": "13-week sustained rate by district",
    "fsf": "Spend by category and district",
    "deferrals": "Deferral rate by district",
    "my_office": "Claims per coach by office",
    "survival": "Share still in work, by week",
}


def _open(app_for: Callable, db, page, demo_user: str | None = None):
    at = app_for(db, demo_user=demo_user)
    at.run()
    if not page.default:
        at.switch_page(page.file)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", FIGURE_PAGES, ids=lambda page: page.url_path)
def test_each_page_shows_its_sentences_and_its_chart_describes_itself_with_them(
    page, sample_db, sample_runner, app_for
) -> None:
    at = _open(app_for, sample_db, page)
    sources, _ = _sample_sources(sample_runner, NATIONAL, default_filters(sample_runner.catalogue))
    expected = " ".join(summaries.summary(page.url_path, sources))
    shown = [as_shown(m.value) for m in at.main.markdown]
    assert expected in shown
    # Straight after the title (and its caption): the page's first paragraph of text.
    assert shown[0] == expected
    if page.url_path in MAIN_CHARTS:
        (spec,) = [
            json.loads(c.proto.spec)
            for c in at.get("vega_lite_chart")
            if json.loads(c.proto.spec)["title"] == MAIN_CHARTS[page.url_path]
        ]
        assert spec["description"].startswith(expected)


def test_a_district_manager_reads_the_verdict_on_the_page(
    sample_db, sample_runner, app_for
) -> None:
    page = next(p for p in PAGES if p.url_path == "job_entries")
    at = _open(app_for, sample_db, page, demo_user="manager.d02@example.gov.uk")
    scope = _scope("district manager", sample_runner.catalogue)
    sources, _ = _sample_sources(sample_runner, scope, default_filters(sample_runner.catalogue))
    said = summaries.summary("job_entries", sources)
    assert "West Yorkshire is" in said[1]
    assert as_shown(at.main.markdown[0].value) == " ".join(said)


def test_the_attention_page_in_sentences() -> None:
    from jcp.measures.attention import Attention, Item

    def item(kind: str) -> Item:
        return Item(kind, (0, 0, kind), f"a {kind} item", "deferrals", ())

    # Two concerns at 99.8%, one drift, one information line; 19 overdue now.
    found = Attention(
        items=(item("worse_998"), item("worse_998"), item("drift"), item("information")),
        quiet=(),
        overdue=19,
        kinds={"worse_998": 2, "drift": 1, "information": 1},
    )
    assert summaries.attention_sentences(found) == [
        "3 items need a look, most concerning first: 2 rates worse than expected at the 99.8% "
        "limits and 1 change over time.",
        "19 deferred interviews are overdue now.",
        "1 more line is for information only.",
    ]
    empty = Attention(items=(), quiet=("x",), overdue=1, kinds={})
    assert summaries.attention_sentences(empty) == [
        "Nothing outside the expected range this month: every check found nothing to list.",
        "1 deferred interview is overdue now.",
        "Each item links to the page that explains it, with these filters.",
    ]
