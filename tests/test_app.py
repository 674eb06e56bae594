"""The pages through AppTest: they run, filters change figures, figures equal the runner's."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from extracts import claim, valid_tables, write_extract
from markup import as_shown
from streamlit.testing.v1 import AppTest

from jcp.extract.db import connect_read_only
from jcp.extract.generate import generate
from jcp.extract.load import load
from jcp.measures.access import Scope
from jcp.measures.disclosure import MARKER, SUPPRESSED
from jcp.measures.filters import Filters
from jcp.measures.runner import Runner, default_period
from jcp.web import widgets
from jcp.web.formats import format_value
from jcp.web.pages import PAGES

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = Scope.national()  # the demo's first user is the national analyst
DIMENSIONS = {
    "mean_change_job_search": "Job search",
    "mean_change_work_skills": "Work skills",
    "mean_change_confidence": "Confidence",
    "mean_change_health_wellbeing": "Health and wellbeing",
    "mean_change_stability": "Stability",
}
PAGE_FILES = [page.file for page in PAGES]  # the default page first


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory) -> Path:
    """The hand-built valid extract, loaded."""
    folder = tmp_path_factory.mktemp("tiny")
    db = folder / "tiny.duckdb"
    load(write_extract(folder / "extract", valid_tables()), db)
    return db


def _metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert values, f"no tile {label!r}; tiles: {[m.label for m in at.metric]}"
    return values[0]


def _url_values(at: AppTest, key: str) -> list[str]:
    """The values a URL parameter holds after the run (AppTest gives one value as a string)."""
    value = at.query_params.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def _runner(db: Path) -> Runner:
    """A runner of its own, on a database other than the sample (sample_runner is the sample's)."""
    return Runner(connect_read_only(db))


def test_every_page_file_is_in_the_page_list_once() -> None:
    """A file in pages/ left out of jcp/web/pages.py would be neither shown nor tested."""
    files = sorted(f"pages/{path.name}" for path in (ROOT / "pages").glob("*.py"))
    assert sorted(PAGE_FILES) == files
    # The tests open the app on the first page and switch to the others.
    assert [page.default for page in PAGES] == [True] + [False] * (len(PAGES) - 1)
    assert (
        len({page.url_path for page in PAGES}) == len({page.title for page in PAGES}) == len(PAGES)
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_path)
def test_every_page_runs_on_the_sample(page, sample_db, app_for) -> None:
    at = app_for(sample_db)
    at.run()
    if not page.default:
        at.switch_page(page.file)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [page.heading]
    if page.figures:  # the pages about the dashboard (tests/test_about.py) draw no tiles
        assert len(at.metric) >= 3


def test_district_filter_changes_overview_tiles_to_the_runners_figures(
    sample_db, sample_runner, app_for
) -> None:
    first, last = default_period(sample_runner.extract_date)
    at = app_for(sample_db)
    at.run()
    everyone = _metric(at, "Live caseload")
    all_total = sample_runner.run(Filters(first, last).request("caseload"), NATIONAL)[
        "live_claims"
    ][0]
    assert everyone == format_value(all_total, "count")

    district = sample_runner.catalogue.districts[0]
    at.multiselect(key="filter_districts").set_value([district]).run()
    one = Filters(first, last, districts=(district,))
    expected = sample_runner.run(one.request("caseload"), NATIONAL)["live_claims"][0]
    assert _metric(at, "Live caseload") == format_value(expected, "count")
    assert _metric(at, "Live caseload") != everyone
    deferral = sample_runner.run(one.request("deferrals"), NATIONAL)["deferral_rate"][0]
    assert _metric(at, "Deferral rate") == format_value(deferral, "rate")
    assert _url_values(at, "district") == [district]


def test_office_filter_on_deferrals_page(sample_db, sample_runner, app_for) -> None:
    first, last = default_period(sample_runner.extract_date)
    office = sorted(sample_runner.catalogue.office_districts)[1]
    at = app_for(sample_db, {"office": office})
    at.run()
    at.switch_page("pages/deferrals.py")
    at.run()
    assert at.multiselect(key="filter_offices").value == [office]
    scoped = Filters(first, last, offices=(office,))
    expected = sample_runner.run(scoped.request("deferrals"), NATIONAL).row(0, named=True)
    assert _metric(at, "Deferral rate") == format_value(expected["deferral_rate"], "rate")
    overdue = sample_runner.run(scoped.request("overdue_deferrals"), NATIONAL)
    assert _metric(at, "Overdue deferred interviews") == format_value(overdue.height, "count")


def test_url_sets_every_filter(sample_db, sample_runner, app_for) -> None:
    district = sample_runner.catalogue.districts[1]
    query = {
        "district": district,
        "from": "2026-01",
        "to": "2026-06",
        "benefit": ["UC", "ESA"],
        "group": "health_condition",
    }
    at = app_for(sample_db, query)
    at.run()
    assert not at.warning
    assert at.multiselect(key="filter_districts").value == [district]
    assert at.selectbox(key="filter_from").value == "2026-01"
    assert at.selectbox(key="filter_to").value == "2026-06"
    assert at.multiselect(key="filter_benefits").value == ["UC", "ESA"]
    assert at.multiselect(key="filter_groups").value == ["health_condition"]
    chosen = Filters("2026-01", "2026-06", (district,), (), ("UC", "ESA"), ("health_condition",))
    expected = sample_runner.run(chosen.request("job_entries"), NATIONAL)["job_entries"][0]
    assert _metric(at, "Job entries") == format_value(expected, "count")


def test_invalid_url_values_are_dropped_with_a_notice(sample_db, sample_runner, app_for) -> None:
    first, last = default_period(sample_runner.extract_date)
    at = app_for(sample_db, {"district": ["D99", "D01"], "office": "nowhere", "from": "2026-13"})
    at.run()
    assert not at.exception
    notices = " ".join(as_shown(w.value) for w in at.warning)
    assert "'D99'" in notices and "'nowhere'" in notices and "'2026-13'" in notices
    assert at.multiselect(key="filter_districts").value == ["D01"]
    assert at.selectbox(key="filter_from").value == first
    assert at.selectbox(key="filter_to").value == last


def test_period_starting_after_it_ends_is_refused(sample_db, sample_runner, app_for) -> None:
    first, last = default_period(sample_runner.extract_date)
    at = app_for(sample_db, {"from": "2026-06", "to": "2026-01"})
    at.run()
    assert "starts after it ends" in " ".join(w.value for w in at.warning)
    assert at.selectbox(key="filter_from").value == first
    assert at.selectbox(key="filter_to").value == last


@pytest.mark.parametrize(
    "page", ["pages/distance_travelled.py", "pages/job_entries.py", "pages/fsf.py"]
)
def test_filters_with_no_activity_show_the_empty_message(page, tiny_db, app_for) -> None:
    # The hand-built extract has no carer claims at all.
    at = app_for(tiny_db, {"group": "carer"})
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception
    assert "No activity for these filters." in [i.value for i in at.info]


def test_filters_survive_moving_between_pages(sample_db, app_for) -> None:
    at = app_for(sample_db)
    at.run()
    at.multiselect(key="filter_benefits").set_value(["ESA"]).run()
    at.switch_page("pages/fsf.py")
    at.run()
    assert at.multiselect(key="filter_benefits").value == ["ESA"]
    assert _url_values(at, "benefit") == ["ESA"]


def test_a_long_worklist_shows_its_most_overdue_rows_and_downloads_all(
    sample_db, sample_runner, monkeypatch, app_for
) -> None:
    from jcp.web import widgets

    overdue = sample_runner.run(sample_runner.default_request("overdue_deferrals"), NATIONAL)
    assert overdue.height > 100  # the sample's national worklist
    monkeypatch.setattr(widgets, "WORKLIST_ROWS", 40)
    at = app_for(sample_db)
    at.run()
    at.switch_page("pages/deferrals.py")
    at.run()
    assert not at.exception
    (shown,) = [d.value for d in at.dataframe if "claim_id" in d.value.columns]
    assert len(shown) == 40
    # The most overdue first: the same claims, in the same order, as the runner's first 40.
    assert list(shown["claim_id"]) == overdue["claim_id"].head(40).to_list()
    captions = [c.value for c in at.caption]
    assert f"Showing the first 40 of {overdue.height:,} rows; the CSV download has them all." in (
        captions
    )
    assert _metric(at, "Overdue deferred interviews") == format_value(overdue.height, "count")


def _drawn(at: AppTest) -> list[bytes]:
    """Every chart and table of the run, as the messages the browser gets."""
    return [e.proto.SerializeToString() for e in [*at.get("vega_lite_chart"), *at.dataframe]]


def _chart(at: AppTest, title: str):
    (chart,) = [
        c.proto for c in at.get("vega_lite_chart") if json.loads(c.proto.spec)["title"] == title
    ]
    return chart


def _chart_data(at: AppTest, title: str) -> pl.DataFrame:
    """The rows the chart titled `title` draws, read back from the Arrow data it sends."""
    (dataset,) = _chart(at, title).datasets
    return pl.from_arrow(pa.ipc.open_stream(dataset.data.data).read_all())


def _chart_spec(at: AppTest, title: str) -> dict:
    return json.loads(_chart(at, title).spec)


# The pages of figures: the pages about the dashboard draw no chart, nor a table on the sample.
@pytest.mark.parametrize("page", [page.file for page in PAGES if page.figures])
def test_a_rerun_sends_the_same_charts_and_tables_without_drawing_them(
    page, sample_db, monkeypatch, app_for
) -> None:
    import streamlit as st

    from jcp.web import widgets

    drawn: list[str] = []

    def counted(name: str):
        draw = getattr(st, name)
        return lambda *args, **kwargs: drawn.append(name) or draw(*args, **kwargs)

    monkeypatch.setattr(st, "altair_chart", counted("altair_chart"))
    monkeypatch.setattr(st, "dataframe", counted("dataframe"))
    at = app_for(sample_db)
    at.run()
    at.switch_page(page)
    widgets.clear_results()
    drawn.clear()
    at.run()
    fresh = _drawn(at)
    assert fresh and len(drawn) == len(fresh)
    drawn.clear()
    at.run()
    assert not at.exception
    assert drawn == [], "a rerun with the same figures draws nothing afresh"
    assert _drawn(at) == fresh


def _highest_first(codes: list[str], values: list, names: dict[str, str]) -> list[str]:
    """Codes by value, highest first, ties by name; hidden (None) values last."""
    pairs = zip(codes, values, strict=True)
    ordered = sorted(pairs, key=lambda p: (p[1] is None, -(p[1] or 0), names[p[0]]))
    return [code for code, _ in ordered]


def test_a_chart_sets_the_chosen_district_against_the_others(
    sample_db, sample_runner, app_for
) -> None:
    names = sample_runner.catalogue.district_names
    first, last = default_period(sample_runner.extract_date)
    at = app_for(sample_db)
    at.run()
    at.switch_page("pages/deferrals.py")
    at.run()
    district = sample_runner.catalogue.districts[0]
    # Every district's figures, whatever is chosen: the chart compares the choice with them.
    every = sample_runner.run(Filters(first, last).request("deferrals", by="district"), NATIONAL)
    rates = dict(zip(every["district_code"], every["deferral_rate"], strict=True))
    order = _highest_first(list(rates), list(rates.values()), names)
    for chosen in ((), (district,)):
        if chosen:
            at.multiselect(key="filter_districts").set_value(list(chosen)).run()
        drawn = _chart_data(at, "Deferral rate by district")
        # Six districts: all drawn, highest rate first, each named.
        assert drawn["district_code"].to_list() == order
        assert drawn["deferral_rate"].to_list() == [rates[c] for c in order]
        assert drawn["label"].to_list() == [names[c] for c in order]
        encoding = _chart_spec(at, "Deferral rate by district")["encoding"]
        if not chosen:
            assert "color" not in encoding  # nothing chosen: no highlight, no legend
        else:
            assert encoding["color"]["field"] == "selection"
            assert encoding["color"]["scale"]["domain"] == ["Chosen in the filters", "Others"]
    chosen_rows = drawn.filter(pl.col("selection") == "Chosen in the filters")
    assert chosen_rows["district_code"].to_list() == [district]
    # The table under the chart has the same districts; the tiles stay the chosen one's.
    (table,) = [
        d.value
        for d in at.dataframe
        if "deferral_rate" in d.value.columns
        and "district_code" in d.value.columns
        and "verdict_label" not in d.value.columns  # the funnel's verdicts table
    ]
    assert sorted(table["district_code"]) == sorted(rates)
    one = sample_runner.run(
        Filters(first, last, districts=(district,)).request("deferrals"), NATIONAL
    )
    assert _metric(at, "Deferral rate") == format_value(one["deferral_rate"][0], "rate")


@pytest.fixture(scope="module")
def national_db(tmp_path_factory) -> Path:
    """A generated extract of the national geography (37 districts, 380 offices), loaded."""
    folder = tmp_path_factory.mktemp("national")
    generate(folder / "extract", claims=30_000, seed=3, geography="national")
    load(folder / "extract", folder / "national.duckdb")
    return folder / "national.duckdb"


def test_charts_read_at_national_scale(national_db, app_for) -> None:
    runner = _runner(national_db)
    cat = runner.catalogue
    assert (len(cat.district_names), len(cat.office_names)) == (37, 380)
    first, last = default_period(runner.extract_date)
    district = "D05"
    own_offices = [o for o, d in cat.office_districts.items() if d == district]
    at = app_for(national_db, {"district": district})
    at.run()
    at.switch_page("pages/deferrals.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value for c in at.caption]
    everyone = Filters(first, last)

    # By district: 37 bars would not read; the 10 highest, the 10 lowest and D05.
    figures = runner.run(everyone.request("deferrals", by="district"), NATIONAL)
    rates = dict(zip(figures["district_code"], figures["deferral_rate"], strict=True))
    ranked = [
        c
        for c in _highest_first(list(rates), list(rates.values()), cat.district_names)
        if rates[c] is not None
    ]
    drawn = _chart_data(at, "Deferral rate by district")
    assert set(drawn["district_code"]) == set(ranked[:10]) | set(ranked[-10:]) | {district}
    assert len(drawn) in (20, 21)  # D05 may be one of the 20 already
    assert drawn["label"].to_list() == [cat.district_names[c] for c in drawn["district_code"]]
    spec = _chart_spec(at, "Deferral rate by district")
    assert spec["encoding"]["color"]["scale"]["domain"] == ["Chosen in the filters", "Others"]
    assert "district_code" in [t["field"] for t in spec["encoding"]["tooltip"]]
    assert (
        "Showing the 10 highest and 10 lowest of the 37 districts, and those chosen in the "
        "filters. The table below and its CSV download have them all."
    ) in captions

    # By office: 380 offices; the 10 highest and lowest nationally, and D05's offices.
    at.radio(key="deferrals_by").set_value("office").run()
    assert not at.exception
    figures = runner.run(everyone.request("deferrals", by="office"), NATIONAL)
    rates = dict(zip(figures["office_code"], figures["deferral_rate"], strict=True))
    ranked = [
        c
        for c in _highest_first(list(rates), list(rates.values()), cat.office_names)
        if rates[c] is not None
    ]
    drawn = _chart_data(at, "Deferral rate by office")
    assert set(drawn["office_code"]) == set(ranked[:10]) | set(ranked[-10:]) | set(own_offices)
    assert set(drawn.filter(pl.col("selection") == "Chosen in the filters")["office_code"]) == (
        set(own_offices)
    )
    assert drawn["label"].to_list() == [cat.office_names[c] for c in drawn["office_code"]]
    (table,) = [
        d.value
        for d in at.dataframe
        if "deferral_rate" in d.value.columns and "verdict_label" not in d.value.columns
    ]
    assert len(table) == 380  # the full list is in the table (and its CSV)

    # FSF spend by category and office: the 20 offices that spent most, and D05's.
    at.switch_page("pages/fsf.py").run()
    at.radio(key="fsf_by").set_value("office").run()
    assert not at.exception
    parts = runner.run(everyone.request("fsf_categories", by="office"), NATIONAL)
    totals: dict[str, float] = {}
    for row in parts.iter_rows(named=True):
        totals[row["office_code"]] = totals.get(row["office_code"], 0) + float(
            row["spend_gbp"] or 0
        )
    most = sorted(totals, key=lambda c: (-totals[c], cat.office_names[c]))[:20]
    drawn = _chart_data(at, "Spend by category and office")
    assert set(drawn["office_code"]) == set(most) | set(own_offices)
    labels = {"Travel", "Clothing and equipment", "Childcare", "Training"}
    assert labels <= set(drawn["category"])


def test_a_change_in_any_row_is_a_new_element() -> None:
    """Streamlit's own hash of a polars frame misses rows after the first and last ten."""
    from jcp.web.widgets import _frame_key

    offices = pl.DataFrame({"office_code": [f"O{i:02}" for i in range(40)], "rate": [0.5] * 40})
    changed = offices.with_columns(
        pl.when(pl.col("office_code") == "O20").then(0.6).otherwise(pl.col("rate")).alias("rate")
    )
    assert _frame_key(offices) == _frame_key(offices.clone())
    assert _frame_key(offices) != _frame_key(changed)
    assert _frame_key(offices) != _frame_key(offices.rename({"rate": "other_rate"}))


def _display(styler) -> list[list[str]]:
    """The text each cell of a styled table shows: what Streamlit sends (its display values)."""
    return [
        [cell["display_value"] for cell in row[1:]]
        for row in styler._translate(False, False)["body"]
    ]


def test_blank_cells_show_empty_not_missing_or_hidden() -> None:
    """Left out on purpose is empty; no population is "–"; hidden is [c]; no text is empty."""
    from jcp.web.widgets import styled

    frame = pl.DataFrame(
        {
            "office_code": ["D01-O01", None, None],
            "live_claims": [120, 40, None],
            "deferral_rate": [None, 0.25, 0.5],
            SUPPRESSED: [[], ["live_claims"], []],
        },
        schema_overrides={SUPPRESSED: pl.List(pl.String)},
    )
    shown = _display(styled(frame, blank={"live_claims": [2], "deferral_rate": []}))
    assert shown == [
        ["D01-O01", "120", "–"],
        ["", "[c]", "25.0%"],
        ["", "", "50.0%"],
    ]


def _with_ten_more_claims(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    office = tables["claims"][0]["office_code"]
    return {
        **tables,
        "claims": tables["claims"] + [claim(f"C{100 + i}", office) for i in range(10)],
    }


def _live_caseload(db: Path) -> str:
    runner = _runner(db)
    first, last = default_period(runner.extract_date)
    live = runner.run(Filters(first, last).request("caseload"), NATIONAL)["live_claims"][0]
    runner.engine.close()
    return format_value(live, "count")


def test_new_data_shows_on_the_next_rerun(tmp_path, monkeypatch, app_for) -> None:
    # Results are cached by the data's version, read once a rerun: new data must not wait for a
    # restart or a new session. (Another file stands in for a load here; see the next test.)
    tables = valid_tables()
    load(write_extract(tmp_path / "before", tables), tmp_path / "before.duckdb")
    load(
        write_extract(tmp_path / "after", _with_ten_more_claims(tables)), tmp_path / "after.duckdb"
    )
    at = app_for(tmp_path / "before.duckdb")
    at.run()
    before = _metric(at, "Live caseload")
    monkeypatch.setenv("JCP_DB", str(tmp_path / "after.duckdb"))
    at.run()
    assert not at.exception
    assert _metric(at, "Live caseload") == _live_caseload(tmp_path / "after.duckdb") != before


def test_a_load_in_place_shows_on_the_next_rerun(tmp_path, app_for) -> None:
    db = tmp_path / "app.duckdb"
    tables = valid_tables()
    load(write_extract(tmp_path / "before", tables), db)
    at = app_for(db)
    at.run()
    before = _metric(at, "Live caseload")
    load(write_extract(tmp_path / "after", _with_ten_more_claims(tables)), db)
    at.run()
    assert not at.exception
    assert _metric(at, "Live caseload") != before


def test_a_threshold_raised_in_jcp_toml_hides_figures_on_the_next_run(tmp_path, app_for) -> None:
    # jcp.toml is re-read when it changes (data.settings), so a threshold raised there must not
    # wait for a new load or a restart: the shared results were keyed by the data's version
    # alone and kept publishing with the thresholds of the runner first made on it.
    db = tmp_path / "app.duckdb"
    load(write_extract(tmp_path / "extract", _with_ten_more_claims(valid_tables())), db)
    # By hand: 13 claims (C1, C2, C3 and ten more, open), C3 ended on 2026-04-01, so 12 are live
    # at the period's end; published within the table's largest perturbation (2,
    # docs/disclosure.md): 10 to 14, at or above the default min_count of 5.
    at = app_for(db)
    at.run()
    assert _metric(at, "Live caseload") in {str(n) for n in range(10, 15)}
    # min_count 15 hides every published count from 1 to 14, so these 10 to 14 live claims.
    strict = app_for(db, settings="[disclosure]\nmin_count = 15\n")
    strict.run()
    assert not strict.exception
    assert _metric(strict, "Live caseload") == MARKER
    # And back: the default threshold publishes them again.
    at = app_for(db)
    at.run()
    assert _metric(at, "Live caseload") in {str(n) for n in range(10, 15)}


def test_clear_results_clears_every_shared_result_cache(sample_db, app_for) -> None:
    """The bench's warm runs and tests that swap what figures are published with need nothing
    left behind: every cached function of jcp.web.results, and the runners' national figures.
    Each cache counts the results it works out (results.COMPUTED): after clear_results, the
    same pages work out again everything they worked out the first time."""
    from streamlit.runtime.caching.cache_utils import CachedFunc

    from jcp.web import data, results

    def pages() -> Counter:
        before = Counter(results.COMPUTED)
        # A manager's landing page (the attention list: results, comparisons, drift,
        # references, a report), then the overview (the league and its sentences).
        at = app_for(sample_db, demo_user="manager.d02@example.gov.uk")
        at.run()
        at.switch_page("pages/overview.py").run()
        assert not at.exception
        return Counter(results.COMPUTED) - before

    widgets.clear_results()
    first = pages()
    cached = {name for name, f in vars(results).items() if isinstance(f, CachedFunc)}
    # Every shared cache was used, so every one is checked below.
    assert {f"{name}_cached" for name in first} == cached
    runner = data.runner_for_version(*data.database_version())
    assert runner._remembered
    widgets.clear_results()
    assert not runner._remembered
    again = pages()
    assert {name: again[name] for name in first} == dict(first)


def test_pandas_is_not_imported_before_a_pages_first_figures() -> None:
    # pandas (with pyarrow.dataset) takes ~0.4 s to import; only styled tables need it, so the
    # frame and the pages' modules leave it until one is drawn.
    modules = (
        "import sys, jcp.web.widgets, jcp.web.charts, jcp.web.headlines; "
        "print('pandas' in sys.modules)"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", modules], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "False"


def test_dimension_chart_leaves_out_hidden_means(sample_db, sample_runner, app_for) -> None:
    # D04-O12 is small enough that its dimensions' means are hidden: the page raised a
    # TypeError building the chart from the tiles' "[c]" strings. Hidden means are NULL in the
    # chart's data, which Vega leaves out.
    office = "D04-O12"
    first, last = default_period(sample_runner.extract_date)
    at = app_for(sample_db, demo_user=f"leader.{office.lower()}@example.gov.uk")
    at.run()
    at.switch_page("pages/distance_travelled.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    scope = Scope("team_leader", frozenset({office}), f"team leader: {office}")
    total = sample_runner.run(Filters(first, last).request("distance_travelled"), scope)
    figures = total.row(0, named=True)
    hidden = set(figures["suppressed"])
    # Every one of its means is hidden: nothing to plot, said in words, not drawn as an empty
    # chart (which a screen reader announces as an unnamed image; docs/accessibility.md).
    assert set(DIMENSIONS) <= hidden, "the office must have every mean hidden"
    titles = [json.loads(c.proto.spec).get("title") for c in at.get("vega_lite_chart")]
    assert "Mean change per dimension" not in titles
    assert widgets.NOTHING_DRAWN_MESSAGE in [i.value for i in at.info]
    assert "Values hidden to protect individuals ([c]) are not plotted." in [
        c.value for c in at.caption
    ]


def test_fsf_budget_flag_does_not_read_a_hidden_outturn_as_a_year_not_started(
    tiny_db, app_for
) -> None:
    # D01's 2025-26 budget has one payment (F1, GBP 25 on 2026-02-10) and D02's 2026-27 budget
    # none (F2 falls in 2025-26). Both years have started (2025-04-01, 2026-04-01, extract date
    # 2026-10-31), so neither may read "year not started".
    # D02 (2026-27, in progress): no payment publishes as 0 payments whatever its key, so its
    #   spend is £0 and its outturn £0, under 90% of its allocation: "Projected under-spend".
    # D01 (2025-26, over by 2026-03-31): one payment publishes as 0 (spend £0, so under-spent
    #   by the whole GBP 100,000 allocation) or as 1 to 3 (at most 1 + 2): [c], and the flag
    #   worked out from its hidden spend is hidden too. Never the GBP 25 (nor GBP 99,975).
    at = app_for(tiny_db)
    at.run()
    at.switch_page("pages/fsf.py")
    at.run()
    assert not at.exception
    (budgets,) = [d.value for d in at.dataframe if "flag" in d.value.columns]
    assert list(budgets["district_code"]) == ["D01", "D02"]
    assert budgets["flag"][1] == "Projected under-spend"
    assert budgets["flag"][0] in ("[c]", "Under-spent by £100,000")
    assert 25 not in set(budgets["spend_to_date_gbp"])


def test_every_measure_in_the_catalogue_is_shown_on_a_page(sample_db, monkeypatch, app_for) -> None:
    """A measure added to the catalogue but to no page fails here: every page is opened as the
    national user and the measures they ask the runner for are recorded."""
    from jcp.measures.runner import MEASURES
    from jcp.web import results

    asked: set[str] = set()
    run_cached = results.run_cached

    # Every page's results pass through run_cached (results.run, the attention list's and the
    # summaries' sources), cached or not.
    def recording(**arguments):
        asked.add(arguments["request"].measure)
        return run_cached(**arguments)

    monkeypatch.setattr(results, "run_cached", recording)
    at = app_for(sample_db)
    at.run()
    for page in PAGE_FILES[1:]:
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    # Work coaches' caseloads are for team leaders only (pages/my_office.py).
    at.selectbox(key="demo_user").set_value("leader.d02-o03@example.gov.uk").run()
    at.switch_page("pages/my_office.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert asked == set(MEASURES)


def _shown(at: AppTest, column: str) -> pl.DataFrame:
    """The text each cell shows (the styled table's display values) of the table with
    `column`: what the browser draws, [c], blanks and all."""
    (table,) = [d.proto for d in at.dataframe if column in d.value.columns]
    display = table.arrow_data.styler.display_values
    return pl.from_arrow(pa.ipc.open_stream(display).read_all()).drop(
        "__index_level_0__", strict=False
    )


# By hand from sample_data/districts.csv and offices.csv.
D02_OFFICE_NAMES = [
    "Leeds City",
    "Bradford",
    "Huddersfield",
    "Halifax",
    "Wakefield",
    "Dewsbury",
    "Keighley",
    "Pontefract",
]
DISTRICT_NAMES = [
    "Greater Manchester",
    "West Yorkshire",
    "Birmingham and Solihull",
    "Devon, Cornwall and Somerset",
    "Tyne and Wear",
    "Kent",
]


@pytest.mark.parametrize(
    "email, heading, rows",
    [
        (
            "analyst@example.gov.uk",
            "Districts compared",
            [("District", name, "") for name in DISTRICT_NAMES] + [("National", "", "")],
        ),
        (
            "manager.d02@example.gov.uk",
            "Offices compared",
            [("Office", "West Yorkshire", name) for name in D02_OFFICE_NAMES]
            + [("District", "West Yorkshire", ""), ("National", "", "")],
        ),
        (
            "leader.d02-o03@example.gov.uk",
            "Your offices compared",
            [
                ("Office", "West Yorkshire", "Huddersfield"),
                ("District", "West Yorkshire", ""),
                ("National", "", ""),
            ],
        ),
    ],
)
def test_the_overview_compares_what_the_role_answers_for(
    sample_db, sample_runner, app_for, email, heading, rows
) -> None:
    at = app_for(sample_db)
    at.run()
    at.selectbox(key="demo_user").set_value(email).run()
    assert not at.exception
    assert [s.value for s in at.subheader][0] == heading
    shown = _shown(at, "level")
    offices = shown["office_name"] if "office_name" in shown.columns else [""] * shown.height
    (table,) = [d.proto for d in at.dataframe if "level" in d.value.columns]
    # The browser draws an empty cell empty (not "None"); codes are in the download only.
    assert table.placeholder == ""
    config = json.loads(table.columns)
    assert all(config[c].get("hidden") for c in ("district_code", "office_code") if c in config)
    assert "district_code" in config
    assert list(zip(shown["level"], shown["district_name"], offices, strict=True)) == rows
    caption = " ".join(c.value for c in at.caption)
    blank_rows = {"analyst@example.gov.uk": 0, "manager.d02@example.gov.uk": 1}.get(email, 2)
    if blank_rows:
        # Rates only in the rows wider than the user's scope: sizes blank, not [c] or "–".
        for column in ("live_claims", "job_entries", "spend_gbp"):
            assert shown[column].to_list()[-blank_rows:] == [""] * blank_rows, column
        assert "rates and means only" in caption
    else:
        assert "rates and means only" not in caption
    # The National row's rate is the national figure, as every role is shown it.
    national = sample_runner.run(sample_runner.default_request("job_entries"), NATIONAL)
    assert shown["sustained_13w_rate"][-1] == format_value(
        national["sustained_13w"][0] / national["mature_13w"][0], "rate"
    )


@pytest.mark.parametrize(
    "page",
    [
        "pages/overview.py",
        "pages/distance_travelled.py",
        "pages/job_entries.py",
        "pages/deferrals.py",
    ],
)
def test_a_trend_with_every_point_hidden_says_so_not_no_activity(page, tiny_db, app_for) -> None:
    # The hand-built extract is tiny: each trend has one month with people in it, too few to
    # show (hidden), and months with no one. Nothing to plot, but not for want of activity.
    runner = _runner(tiny_db)
    for measure, column in [
        ("distance_travelled", "mean_change"),
        ("deferrals", "deferral_rate"),
        ("job_entries", "sustained_13w_rate"),
    ]:
        months = runner.run(runner.default_request(measure, by="month"), NATIONAL)
        assert months[column].null_count() == months.height
        assert sum(column in hidden for hidden in months["suppressed"]) == 1
    at = app_for(tiny_db)
    at.run()
    if page != "pages/overview.py":
        at.switch_page(page)
        at.run()
    assert not at.exception
    infos = [i.value for i in at.info]
    assert (
        "Nothing to plot: every month with activity has too few people to show, so its figure "
        "is hidden to protect individuals ([c])."
    ) in infos
    if page == "pages/distance_travelled.py":  # its only other message is the page's own
        assert "No activity for these filters." not in infos


def test_nothing_to_plot_tells_hidden_from_empty() -> None:
    from jcp.web.widgets import ALL_HIDDEN_MESSAGE, EMPTY_MESSAGE, nothing_to_plot

    schema = {"month": pl.String, "value": pl.Float64, "suppressed": pl.List(pl.String)}
    hidden = pl.DataFrame(
        {"month": ["2026-01", "2026-02"], "value": [None, None], "suppressed": [["value"], []]},
        schema=schema,
    )
    empty = hidden.with_columns(pl.Series("suppressed", [[], []], dtype=pl.List(pl.String)))
    one_point = hidden.with_columns(pl.Series("value", [None, 0.25]))
    assert nothing_to_plot(hidden, "value") == ALL_HIDDEN_MESSAGE
    assert nothing_to_plot(empty, "value") == EMPTY_MESSAGE
    assert nothing_to_plot(one_point, "value") is None
    # A hidden cell of another column is not a hidden point.
    other = empty.with_columns(pl.Series("suppressed", [["count"], []]))
    assert nothing_to_plot(other, "value") == EMPTY_MESSAGE


def test_pickers_show_names_and_labels_and_keep_codes(sample_db, app_for) -> None:
    at = app_for(sample_db, {"district": "D02", "benefit": "UC", "group": "lone_parent"})
    at.run()
    assert not at.exception
    districts = at.multiselect(key="filter_districts")
    # In order of name, "Name (code)": typing part of either finds it.
    assert districts.options == [
        "Birmingham and Solihull (D03)",
        "Devon, Cornwall and Somerset (D04)",
        "Greater Manchester (D01)",
        "Kent (D06)",
        "Tyne and Wear (D05)",
        "West Yorkshire (D02)",
    ]
    assert districts.value == ["D02"]
    assert at.multiselect(key="filter_offices").options == [
        "Bradford (D02-O02)",
        "Dewsbury (D02-O06)",
        "Halifax (D02-O04)",
        "Huddersfield (D02-O03)",
        "Keighley (D02-O07)",
        "Leeds City (D02-O01)",
        "Pontefract (D02-O08)",
        "Wakefield (D02-O05)",
    ]
    benefits = at.multiselect(key="filter_benefits")
    assert benefits.options == [
        "Jobseeker's Allowance (JSA)",
        "Employment and Support Allowance (ESA)",
        "Income Support (IS)",
        "Universal Credit (UC)",
    ]
    assert benefits.value == ["UC"]
    groups = at.multiselect(key="filter_groups")
    assert groups.options == ["Jobseeker", "Lone parent", "Health condition", "Carer", "Other"]
    assert groups.value == ["lone_parent"]
    # The link keeps the codes.
    at.multiselect(key="filter_offices").set_value(["D02-O04"]).run()
    assert _url_values(at, "district") == ["D02"]
    assert _url_values(at, "office") == ["D02-O04"]
    assert _url_values(at, "benefit") == ["UC"]
    assert _url_values(at, "group") == ["lone_parent"]


def _table(at: AppTest, column: str):
    """The one table of the run with `column` (its data as sent, before any styling)."""
    (table,) = [d.value for d in at.dataframe if column in d.value.columns]
    return table


def test_my_office_shows_a_team_leader_their_coaches(sample_db, sample_runner, app_for) -> None:
    office = "D02-O03"
    at = app_for(sample_db, demo_user=f"leader.{office.lower()}@example.gov.uk")
    at.run()
    at.switch_page("pages/my_office.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    scope = Scope("team_leader", frozenset({office}), f"team leader: {office}")
    expected = sample_runner.run(sample_runner.default_request("coach_caseloads"), scope)
    assert set(expected["office_code"]) == {office} and expected.height >= 2
    shown = _table(at, "open_jobseeker")
    # Their office's coaches only, the exact figures of the list, no coach as "Unassigned".
    assert set(shown["office_code"]) == {office}
    assert list(shown["work_coach_ref"]) == [
        ref or "Unassigned" for ref in expected["work_coach_ref"].to_list()
    ]
    assert list(shown["open_claims"]) == expected["open_claims"].to_list()
    assert list(shown["overdue_deferrals"]) == expected["overdue_deferrals"].to_list()
    # The office's spread, and its overdue worklist.
    spread = _table(at, "p90_claims_per_coach")
    assert list(spread["office_code"]) == [office]
    worklist = sample_runner.run(sample_runner.default_request("overdue_deferrals"), scope)
    assert list(_table(at, "claim_id")["claim_id"]) == worklist["claim_id"].to_list()
    assert _metric(at, "Overdue deferred interviews") == format_value(worklist.height, "count")
    # claims_per_coach, shown nowhere else, is here for the team leader's office.
    caseload = sample_runner.run(sample_runner.default_request("caseload"), scope)
    assert _metric(at, "Claims per coach") == format_value(caseload["claims_per_coach"][0], "mean")


def test_my_office_shows_a_district_manager_the_spread_and_no_coach(
    sample_db, sample_runner, app_for
) -> None:
    at = app_for(sample_db, demo_user="manager.d02@example.gov.uk")
    at.run()
    at.switch_page("pages/my_office.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    scope = Scope(
        "district_manager",
        frozenset(o for o, d in sample_runner.catalogue.office_districts.items() if d == "D02"),
        "district manager: D02",
    )
    expected = sample_runner.run(sample_runner.default_request("coach_caseload_spread"), scope)
    spread = _table(at, "p90_claims_per_coach")
    assert list(spread["office_code"]) == expected["office_code"].to_list()
    assert len(spread) == len(D02_OFFICE_NAMES)
    assert list(spread["median_claims_per_coach"]) == pytest.approx(
        expected["median_claims_per_coach"].to_list()
    )
    # No table names a work coach: the per-coach rows and the worklist are the team leaders'.
    assert not [d for d in at.dataframe if "work_coach_ref" in d.value.columns]
    assert [s.value for s in at.subheader][0] == "Caseloads across work coaches, by office"


def test_fsf_page_shows_uptake_and_outcomes_as_the_runner_gives_them(
    sample_db, sample_runner, app_for
) -> None:
    first, last = default_period(sample_runner.extract_date)
    district = sample_runner.catalogue.districts[1]
    at = app_for(sample_db, {"district": district})
    at.run()
    at.switch_page("pages/fsf.py").run()
    assert not at.exception
    scoped = Filters(first, last, districts=(district,))
    uptake = sample_runner.run(scoped.request("fsf_uptake"), NATIONAL).row(0, named=True)
    assert _metric(at, "Live claims") == format_value(uptake["live_claims"], "count")
    assert _metric(at, "Live claims paid") == format_value(uptake["recipients"], "count")
    assert _metric(at, "FSF recipients per 100 live claims") == format_value(
        uptake["uptake_per_100"], "mean"
    )
    outcomes = sample_runner.run(scoped.request("fsf_outcomes"), NATIONAL).row(0, named=True)
    for column, tile in (
        ("rate_supported", "13-week sustained rate, with FSF support"),
        ("rate_unsupported", "13-week sustained rate, without FSF support"),
    ):
        assert _metric(at, tile) == format_value(outcomes[column], "rate")
    assert any("Not a measure of effect" in w.value for w in at.warning)


def test_every_table_of_a_page_is_in_its_spreadsheets(sample_db, app_for) -> None:
    """Beside each CSV download, the page's .ods and .xlsx; the workbook they build holds every
    table the page offers as CSV, one a sheet, in the page's order, each with all its rows."""
    import io

    import openpyxl

    at = app_for(sample_db)
    at.run()
    at.switch_page("pages/deferrals.py")
    at.run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    csv_titles = [label.removeprefix("Download CSV: ") for label in labels[::3]]
    assert all(label.startswith("Download CSV: ") for label in labels[::3])
    assert labels[1::3] == ["Download spreadsheet (.ods)"] * len(csv_titles)
    assert labels[2::3] == ["Download spreadsheet (.xlsx)"] * len(csv_titles)
    # The page's charts and tables by district, funnels, trends, reasons, lengths, follow-up
    # and the worklist: more than a dozen downloads.
    assert len(csv_titles) > 12
    book = at.session_state["page_workbook"]
    assert [title for title, _ in book.tables()] == csv_titles
    workbook = openpyxl.load_workbook(io.BytesIO(book.xlsx()))
    assert workbook.sheetnames == [
        "Cover",
        "Contents",
        "Notes",
        *(f"Table_{n}" for n in range(1, len(csv_titles) + 1)),
    ]
    for number, (title, frame) in enumerate(book.tables(), start=1):
        sheet = workbook[f"Table_{number}"]
        assert sheet["A1"].value.startswith(f"{title} [note ")
        (table,) = sheet.tables.values()
        first, last = (int("".join(c for c in ref if c.isdigit())) for ref in table.ref.split(":"))
        assert last - first == max(frame.height, 1)  # header, then every row (or "no rows")
    cover = [row[0] for row in workbook["Cover"].iter_rows(values_only=True)]
    assert cover[0] == "Interviews and deferrals: Jobcentre Plus district performance"
    assert "Scope: national." in cover
