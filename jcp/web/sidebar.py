"""The shared filter bar; its state lives in the URL so that a link reproduces the view."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import streamlit as st

from jcp.extract import contract
from jcp.measures.filters import (
    Filters,
    available_months,
    default_filters,
    filters_from_query,
)
from jcp.output import plain_text
from jcp.web import audit, data, signin
from jcp.web.formats import (
    value_label,
)

FILTER_KEYS = {
    "district": "filter_districts",
    "office": "filter_offices",
    "from": "filter_from",
    "to": "filter_to",
    "benefit": "filter_benefits",
    "group": "filter_groups",
}


def _query_lists() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in FILTER_KEYS}


def _keep_options(key: str, options: list[str]) -> None:
    """Drop chosen values that are no longer offered (another district, another demo user)."""
    kept = [v for v in st.session_state.get(key, []) if v in options]
    if kept != st.session_state.get(key):
        st.session_state[key] = kept


def place_label(names: dict[str, str], code: str) -> str:
    """A district or office as a picker shows it: "Name (code)"."""
    name = names.get(code)
    return f"{name} ({code})" if name else code


def by_name(codes: list[str], names: dict[str, str]) -> list[str]:
    return sorted(codes, key=lambda code: (names.get(code, code).casefold(), code))


def benefit_label(code: str) -> str:
    """A benefit as a picker shows it: its name, with the letters everyone calls it by."""
    return f"{value_label('benefit', code)} ({code})"


def filter_bar() -> Filters:
    """The shared sidebar filters; their state lives in the URL so a link reproduces the view."""
    cat = data.catalogue()
    scope = signin.current_scope()
    visible_districts = scope.visible_districts(cat)
    visible_offices = scope.visible_offices(cat)
    query = _query_lists()
    # The URL holds what this bar wrote at the end of the last run, unless a link followed
    # inside the session (the attention page's, st.page_link with query parameters) brought
    # other filters: those are read like a new session's. A link with none (the menu) keeps
    # the filters the session has.
    written = st.session_state.get("filters_query")
    followed = {k: v for k, v in query.items() if v}
    followed_link = bool(followed) and written is not None and followed != written
    if st.session_state.get("filters_ready") != scope or followed_link:
        chosen, notices = filters_from_query(query, cat, scope)
        st.session_state[FILTER_KEYS["district"]] = list(chosen.districts)
        st.session_state[FILTER_KEYS["office"]] = list(chosen.offices)
        st.session_state[FILTER_KEYS["from"]] = chosen.period_from
        st.session_state[FILTER_KEYS["to"]] = chosen.period_to
        st.session_state[FILTER_KEYS["benefit"]] = list(chosen.benefits)
        st.session_state[FILTER_KEYS["group"]] = list(chosen.groups)
        st.session_state["filter_notices"] = notices
        st.session_state["filters_ready"] = scope
        denied = [n for n in notices if "not available to you" in n]
        if denied:
            audit.record(
                data.settings().audit_log,
                "scope_denied",
                st.session_state.get("signed_in_as"),
                detail=" ".join(denied),
            )

    months = available_months(cat)
    with st.sidebar:
        st.header("Filters")
        _keep_options(FILTER_KEYS["district"], visible_districts)
        # Named and in order of name, as people look for them; typing any part of a name or a
        # code finds it ("contains": Streamlit's default "fuzzy" matching would offer every
        # office whose name holds the letters typed in order, which at 380 offices is most).
        # The widgets' values, and so the URL, stay codes.
        districts = st.multiselect(
            "District",
            by_name(visible_districts, cat.district_names),
            key=FILTER_KEYS["district"],
            format_func=partial(place_label, cat.district_names),
            placeholder="All districts" if scope.is_national else "All your districts",
            filter_mode="contains",
        )
        office_options = [
            o for o in visible_offices if not districts or cat.office_districts[o] in districts
        ]
        _keep_options(FILTER_KEYS["office"], office_options)
        offices = st.multiselect(
            "Office",
            by_name(office_options, cat.office_names),
            key=FILTER_KEYS["office"],
            format_func=partial(place_label, cat.office_names),
            placeholder="All offices" if scope.is_national else "All your offices",
            filter_mode="contains",
        )
        left, right = st.columns(2)
        period_from = left.selectbox("From month", months, key=FILTER_KEYS["from"])
        period_to = right.selectbox("To month", months, key=FILTER_KEYS["to"])
        benefits = st.multiselect(
            "Benefit",
            list(contract.VALUE_LABELS["benefit"]),
            key=FILTER_KEYS["benefit"],
            format_func=benefit_label,
            placeholder="All benefits",
            filter_mode="contains",
        )
        groups = st.multiselect(
            "Claimant group",
            list(contract.VALUE_LABELS["claimant_group"]),
            key=FILTER_KEYS["group"],
            format_func=partial(value_label, "claimant_group"),
            placeholder="All groups",
            filter_mode="contains",
        )
        # The label names codes from the access file: text, never markup.
        st.caption(f"Data as at {cat.extract_date:%d %B %Y}. Seeing: {plain_text(scope.label)}.")

    chosen = Filters(
        period_from, period_to, tuple(districts), tuple(offices), tuple(benefits), tuple(groups)
    )
    if period_from > period_to:
        st.sidebar.warning("The From month is after the To month: showing the default period.")
        defaults = default_filters(cat)
        chosen = replace(chosen, period_from=defaults.period_from, period_to=defaults.period_to)
    # Shown once, on the view the link opened; they would be noise on every later rerun.
    # A notice quotes the link's values, which anyone can write: shown as text, never markup.
    for notice in st.session_state.pop("filter_notices", []):
        st.warning(plain_text(notice))
    st.session_state["filters_query"] = chosen.to_query()
    st.query_params.from_dict(st.session_state["filters_query"])
    st.session_state["filters"] = chosen
    return chosen


def current_filters() -> Filters:
    filters = st.session_state.get("filters")
    if filters is None:  # a page run on its own (e.g. in a test) still gets the default view
        filters = default_filters(data.catalogue())
    return filters
