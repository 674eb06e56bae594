"""Results for the signed-in user, cached across sessions: measures, the league, reports,
comparisons, drift signals, each page's opening sentences and the attention list's sources."""

from __future__ import annotations

import atexit
import json
import os
from collections import Counter
from dataclasses import astuple, replace

import polars as pl
import streamlit as st

from jcp.config import CACHE_STATS_ENV
from jcp.measures import specs
from jcp.measures.access import Scope
from jcp.measures.attention import Attention, Sources, compare_options
from jcp.measures.attention import attention as build_attention
from jcp.measures.disclosure import SUPPRESSED
from jcp.measures.filters import (
    Filters,
)
from jcp.measures.runner import MEASURES, MeasureRequest, drift_history
from jcp.web import data, signin, summaries
from jcp.web.charts import DRIFT_JUDGED, DRIFT_SIGNAL
from jcp.web.data import DataVersion
from jcp.web.headlines import League
from jcp.web.headlines import league as build_league

# A resource cache, not a data cache: results are polars frames that nothing changes in
# place, so every rerun can share the one object instead of unpickling a copy (the national
# overdue worklist is 75,000 rows at 10M claims: ~15 ms a rerun as a data cache).
# Exact keys, hashed quickly (a page asks for 25 results a rerun): every field of the request
# or filters, and the scope's role, sorted offices and label. Each is one string, as Streamlit
# hashes a tuple element by element (~30 µs a key as tuples).
RESULT_KEYS = {
    **data.VERSION_KEY,
    MeasureRequest: lambda r: repr(astuple(r)),
    Filters: lambda f: repr(astuple(f)),
    Scope: lambda s: repr(
        (s.role, None if s.offices is None else tuple(sorted(s.offices)), s.label)
    ),
}


# How often each shared cache below was asked and how often it had to work its result out:
# its hit rate, which `python -m jcp loadtest` reports (JCP_CACHE_STATS, written at exit). Plain
# counters bumped without a lock: two sessions bumping at once may lose a count, which a rate
# over thousands of lookups does not notice, and a lock would be one more for every lookup.
LOOKUPS: Counter[str] = Counter()
COMPUTED: Counter[str] = Counter()


def cache_stats() -> dict[str, dict[str, float]]:
    """Per cache: lookups, results worked out, and the share found already worked out."""
    return {
        name: {
            "lookups": LOOKUPS[name],
            "computed": COMPUTED[name],
            "hit_rate": round(1 - COMPUTED[name] / LOOKUPS[name], 3) if LOOKUPS[name] else None,
        }
        for name in sorted(LOOKUPS)
    }


def _write_cache_stats(path: str) -> None:
    with open(path, "w", encoding="utf-8") as file:
        json.dump(cache_stats(), file)


if os.environ.get(CACHE_STATS_ENV):
    atexit.register(_write_cache_stats, os.environ[CACHE_STATS_ENV])


def equivalent(
    path: str, version: DataVersion, request: MeasureRequest, scope: Scope, unit: str = "total"
) -> MeasureRequest:
    """The request as the shared caches key it (Runner.equivalent): the same filters picked in
    another order, or naming just what the scope sees, find the same entry. Drift and
    comparisons by district keep an office filter, which they refuse whatever it names."""
    if not (request.districts or request.offices or request.benefits or request.groups):
        return request  # the usual request, as it is: no catalogue to look up
    found = data.runner_for_version(path, version).equivalent(request, scope)
    if unit == "district" and request.offices:
        found = replace(found, offices=tuple(sorted(set(request.offices))))
    return found


def equivalent_filters(path: str, version: DataVersion, filters: Filters, scope: Scope) -> Filters:
    """The filters as the shared caches key them (Filters.equivalent)."""
    if not (filters.districts or filters.offices or filters.benefits or filters.groups):
        return filters
    return filters.equivalent(scope, data.runner_for_version(path, version).catalogue)


@st.cache_resource(max_entries=1000, show_spinner=False, hash_funcs=RESULT_KEYS)
def run_cached(
    path: str, version: DataVersion, request: MeasureRequest, scope: Scope
) -> pl.DataFrame:
    COMPUTED["run"] += 1
    return data.runner_for_version(path, version).run(request, scope)


def run_shared(
    path: str, version: DataVersion, request: MeasureRequest, scope: Scope
) -> pl.DataFrame:
    """run_cached for the request's equivalent (the one entry of every way of asking)."""
    LOOKUPS["run"] += 1
    # By keyword: Streamlit finds each positional argument's name in the function's signature,
    # afresh on every call (~10 µs an argument).
    return run_cached(
        path=path, version=version, request=equivalent(path, version, request, scope), scope=scope
    )


def run(request: MeasureRequest) -> pl.DataFrame:
    """A measure result for the signed-in user's scope, with disclosure control, cached."""
    path, version = data.database_version()
    return run_shared(path, version, request, signin.current_scope())


@st.cache_resource(max_entries=100, show_spinner=False, hash_funcs=RESULT_KEYS)
def league_cached(
    path: str,
    version: DataVersion,
    filters: Filters,
    scope: Scope,
    overdispersion: bool,
    adjusted: bool,
) -> League:
    # The comparison switches are in the key, as summary_cached's: the league's verdicts
    # follow them, and jcp.toml is re-read when it changes.
    COMPUTED["league"] += 1
    runner = data.runner_for_version(path, version)

    def run_in_scope(request: MeasureRequest) -> pl.DataFrame:
        return run_shared(path, version, request, scope)

    def reference(request: MeasureRequest, level: str) -> pl.DataFrame:
        # Not cached on its own: the league is, per scope, and the runner checks the level
        # against this scope on every call.
        return runner.reference(request, scope, level)

    def compare(request: MeasureRequest, column: str, unit: str) -> pl.DataFrame:
        return compare_shared(
            path,
            version,
            request,
            column,
            unit,
            scope,
            overdispersion=overdispersion,
            adjusted=adjusted,
        )

    return build_league(
        run_in_scope, reference, compare, filters, scope, runner.catalogue, adjusted=adjusted
    )


def league(filters: Filters) -> League:
    """The overview's league table, its verdicts, heading and caption, for the
    signed-in user's scope (their role decides what is compared with what).

    Cached as a whole, like the results it lines up (and shared the same way: nothing changes
    the frame in place): a rerun would otherwise look up its results again and
    rebuild it.
    """
    path, version = data.database_version()
    scope = signin.current_scope()
    LOOKUPS["league"] += 1
    return league_cached(
        path=path,
        version=version,
        filters=equivalent_filters(path, version, filters, scope),
        scope=scope,
        overdispersion=data.settings().overdispersion,
        adjusted=data.settings().case_mix,
    )


@st.cache_resource(max_entries=20, show_spinner=False, hash_funcs=RESULT_KEYS)
def report_cached(
    path: str, version: DataVersion, name: str, scope: Scope, limit: int | None
) -> pl.DataFrame:
    COMPUTED["report"] += 1
    return data.runner_for_version(path, version).report(name, scope, limit)


def report(name: str, limit: int | None = None) -> pl.DataFrame:
    """A report on the database, for the signed-in user's scope (its spec says who may see it)."""
    path, version = data.database_version()
    LOOKUPS["report"] += 1
    return report_cached(
        path=path, version=version, name=name, scope=signin.current_scope(), limit=limit
    )


def by_month(filters: Filters, measure: str) -> pl.DataFrame:
    """The measure by month over the filters' period, cached. A measure with a comparable rate
    has it cut from the months its drift reads (runner.drift_history), which end with the
    period's own and give the same rows: one query for a trend line, its drift marks and a
    table of the same months, whichever page asks first."""
    request = filters.request(measure, by="month")
    if not specs.comparable_columns(measure):
        return run(request)
    return run(drift_history(request)).filter(pl.col("month") >= filters.period_from)


def trend_frame(filters: Filters, series: list[tuple[str, str, str]]) -> pl.DataFrame:
    """Long frame (month, series, value) of several measures' columns by month, for one chart.

    Hidden points are NULL and listed as hidden; trend_chart tells a trend with none to draw
    because every point is hidden from one with no activity. Where a series is a comparable
    rate, the frame also has its drift signals for the selection as a whole (`drift`, unit
    "total"): DRIFT_SIGNAL, the month's signal or empty, and DRIFT_JUDGED, whether the month
    was judged (charts.lines_by_month marks them and names the rule).
    """
    judges = any(MEASURES[measure].columns[column].comparable for measure, column, _ in series)
    parts = []
    for measure, column, series_label in series:
        frame = by_month(filters, measure)
        hidden = (
            frame[SUPPRESSED].list.contains(column)
            if SUPPRESSED in frame.columns
            else pl.Series([False] * frame.height)
        )
        part = pl.DataFrame(
            {
                "month": frame["month"],
                "series": [series_label] * frame.height,
                "value": frame[column].cast(pl.Float64, strict=False),
                SUPPRESSED: [["value"] if h else [] for h in hidden],
            },
            schema={
                "month": pl.String,
                "series": pl.String,
                "value": pl.Float64,
                SUPPRESSED: pl.List(pl.String),
            },
        )
        if judges and MEASURES[measure].columns[column].comparable:
            # The same published months (a month's cell is the same whatever the period), so
            # the signal sits on the point drawn.
            signals = drift(filters, measure, column).select(
                "month",
                pl.col("signal").alias(DRIFT_SIGNAL),
                pl.col("lower").is_not_null().alias(DRIFT_JUDGED),
            )
            part = part.join(signals, on="month", how="left").with_columns(
                pl.col(DRIFT_JUDGED).fill_null(False)
            )
        elif judges:  # a rate with no drift (not comparable) beside one with
            part = part.with_columns(
                pl.lit(None, dtype=pl.String).alias(DRIFT_SIGNAL),
                pl.lit(False).alias(DRIFT_JUDGED),
            )
        if judges:
            part = part.select("month", "series", "value", DRIFT_SIGNAL, DRIFT_JUDGED, SUPPRESSED)
        parts.append(part)
    return pl.concat(parts)


def comparison(filters: Filters, measure: str, by: str) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """A measure by district or office for every one in view, the other filters applying, and
    the codes the filters chose: a chart highlights those against the rest."""
    frame = run(filters.compared().request(measure, by=by))
    group_column = "office_code" if by == "office" else "district_code"
    return frame, filters.chosen(data.catalogue(), group_column)


@st.cache_resource(max_entries=300, show_spinner=False, hash_funcs=RESULT_KEYS)
def compare_cached(
    path: str,
    version: DataVersion,
    request: MeasureRequest,
    column: str,
    unit: str,
    scope: Scope,
    overdispersion: bool,
    adjusted: bool = False,
) -> pl.DataFrame:
    COMPUTED["compare"] += 1
    return data.runner_for_version(path, version).compare(
        request, column, unit, scope, overdispersion=overdispersion, adjusted=adjusted
    )


def compare_shared(
    path: str,
    version: DataVersion,
    request: MeasureRequest,
    column: str,
    unit: str,
    scope: Scope,
    overdispersion: bool,
    adjusted: bool = False,
) -> pl.DataFrame:
    """compare_cached for the request's equivalent."""
    LOOKUPS["compare"] += 1
    return compare_cached(
        path=path,
        version=version,
        request=equivalent(path, version, request, scope, unit),
        column=column,
        unit=unit,
        scope=scope,
        overdispersion=overdispersion,
        adjusted=adjusted,
    )


def compare(
    filters: Filters, measure: str, column: str, unit: str, adjusted: bool = False
) -> pl.DataFrame:
    """Every office (or district) in the user's scope against the national rate, with limits
    and verdicts (Runner.compare), the other filters applying; cached across sessions. The
    chosen offices or districts are for a chart to highlight (`comparison` above)."""
    path, version = data.database_version()
    return compare_shared(
        path,
        version,
        filters.compared().request(measure),
        column,
        unit,
        signin.current_scope(),
        overdispersion=data.settings().overdispersion,
        adjusted=adjusted,
    )


@st.cache_resource(max_entries=300, show_spinner=False, hash_funcs=RESULT_KEYS)
def summary_cached(
    path: str,
    version: DataVersion,
    page: str,
    filters: Filters,
    scope: Scope,
    overdispersion: bool,
    adjusted: bool = False,
) -> tuple[str, ...]:
    COMPUTED["summary"] += 1
    runner = data.runner_for_version(path, version)

    # The same cached results the page's tiles and charts read, so the sentences say what the
    # page shows, and a result the page also asks for is worked out once.
    def run_in_scope(request: MeasureRequest) -> pl.DataFrame:
        return run_shared(path, version, request, scope)

    def compare_in_scope(chosen: Filters, measure: str, column: str, unit: str) -> pl.DataFrame:
        return compare_shared(
            path,
            version,
            chosen.compared().request(measure),
            column,
            unit,
            scope,
            overdispersion=overdispersion,
            adjusted=adjusted,
        )

    def report_in_scope(name: str) -> pl.DataFrame:
        LOOKUPS["report"] += 1
        return report_cached(path=path, version=version, name=name, scope=scope, limit=None)

    sources = summaries.Sources(
        run_in_scope,
        compare_in_scope,
        report_in_scope,
        filters,
        scope,
        runner.catalogue,
        adjusted,
        attention=lambda: build_attention(
            runner, filters, scope, data.settings(), attention_sources_for(path, version, scope)
        ),
    )
    return tuple(summaries.summary(page, sources))


def summary(page: str, filters: Filters) -> tuple[str, ...]:
    """The page's opening sentences (jcp.web.summaries) for the signed-in user, cached whole:
    a page's sentences read up to a dozen results and a comparison, which a rerun would
    otherwise look up again one by one."""
    path, version = data.database_version()
    scope = signin.current_scope()
    LOOKUPS["summary"] += 1
    return summary_cached(
        path=path,
        version=version,
        page=page,
        filters=equivalent_filters(path, version, filters, scope),
        scope=scope,
        overdispersion=data.settings().overdispersion,
        adjusted=data.settings().case_mix,
    )


@st.cache_resource(max_entries=300, show_spinner=False, hash_funcs=RESULT_KEYS)
def drift_cached(
    path: str, version: DataVersion, request: MeasureRequest, column: str, unit: str, scope: Scope
) -> pl.DataFrame:
    COMPUTED["drift"] += 1
    # The selection's months come through the shared cache: the trend chart beside the marks
    # draws the same result (trend_frame), and every other rate of the measure reads it too.
    return data.runner_for_version(path, version).drift(
        request, column, unit, scope, run=lambda history: run_shared(path, version, history, scope)
    )


def drift_shared(
    path: str, version: DataVersion, request: MeasureRequest, column: str, unit: str, scope: Scope
) -> pl.DataFrame:
    """drift_cached for the request's equivalent."""
    LOOKUPS["drift"] += 1
    return drift_cached(
        path=path,
        version=version,
        request=equivalent(path, version, request, scope, unit),
        column=column,
        unit=unit,
        scope=scope,
    )


def drift(filters: Filters, measure: str, column: str, unit: str = "total") -> pl.DataFrame:
    """A comparable rate's months in the filters' period against each unit's own previous 12
    months (Runner.drift), for the signed-in user's scope; cached across sessions. Unit "total"
    is the filters' selection as a whole, as a trend chart draws it: one request by month."""
    path, version = data.database_version()
    return drift_shared(
        path, version, filters.request(measure), column, unit, signin.current_scope()
    )


@st.cache_resource(max_entries=100, show_spinner=False, hash_funcs=RESULT_KEYS)
def reference_cached(
    path: str, version: DataVersion, request: MeasureRequest, scope: Scope, level: str
) -> pl.DataFrame:
    # Keyed by scope as well as level: the runner checks the level against the scope.
    COMPUTED["reference"] += 1
    return data.runner_for_version(path, version).reference(request, scope, level)


def attention_sources() -> Sources:
    """The attention list's sources for the signed-in user: the same cached results the other
    pages read (a rerun of the attention page looks its figures up, it does not work them out
    again)."""
    path, version = data.database_version()
    return attention_sources_for(path, version, signin.current_scope())


def attention_sources_for(path: str, version: DataVersion, scope: Scope) -> Sources:
    """The attention list's cached sources for a scope and data version."""
    options = compare_options(data.settings())

    def reference(request: MeasureRequest, level: str) -> pl.DataFrame:
        LOOKUPS["reference"] += 1
        return reference_cached(
            path=path, version=version, request=request, scope=scope, level=level
        )

    def report(name: str) -> pl.DataFrame:
        LOOKUPS["report"] += 1
        return report_cached(path=path, version=version, name=name, scope=scope, limit=None)

    return Sources(
        run=lambda request: run_shared(path, version, request, scope),
        compare=lambda request, column, unit: compare_shared(
            path, version, request, column, unit, scope, **options
        ),
        reference=reference,
        report=report,
        drift=lambda request, column, unit: drift_shared(
            path, version, request, column, unit, scope
        ),
    )


def attention(filters: Filters) -> Attention:
    """The "Needs attention" list for the signed-in user and the filters."""
    return build_attention(
        data.runner(), filters, signin.current_scope(), data.settings(), attention_sources()
    )
