"""Chart builders: number formats Vega accepts, and charts that read at national scale (named
bars sorted by value, the chosen ones against grey, only the highest and lowest of a long list,
labels for enumerated values)."""

from __future__ import annotations

import datetime as dt
import json
import re

import polars as pl
import pytest

from jcp.measures.filters import Filters
from jcp.measures.network import Catalogue
from jcp.web import charts

# d3-format: [[fill]align][sign][symbol][0][width][,][.precision][~][type]
D3_FORMAT = re.compile(r"(.?[<>=^])?[-+( ]?[$#]?0?\d*,?(\.\d+)?~?[efgrsp%bcdoxXn]?")


def _formats(spec: object) -> list[str]:
    found = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "format" and isinstance(value, str):
                found.append(value)
            else:
                found += _formats(value)
    elif isinstance(spec, list):
        for item in spec:
            found += _formats(item)
    return found


def _charts() -> list:
    by_group = pl.DataFrame(
        {"district_code": ["D01", "D02"], "spend_gbp": [1.5, 2.5], "suppressed": [[], []]}
    )
    long = pl.DataFrame({"month": ["2026-01"], "series": ["Rate"], "value": [0.5]})
    parts = pl.DataFrame(
        {"district_code": ["D01"], "category": ["travel"], "spend_gbp": [3.0], "payments": [7]}
    )
    made = [
        charts.stacked_categories(parts, "district_code", "category", "spend_gbp", "Spend", "t")
    ]
    for kind in charts.FORMATS:
        made.append(
            charts.bar_by_group(by_group, "spend_gbp", "v", "t", kind, "district_code", ("D01",))
        )
        made.append(charts.lines_by_month(long, "v", "t", kind))
        made.append(charts.bars(by_group, "district_code", "spend_gbp", "l", "v", "t", kind))
    return made


@pytest.mark.parametrize("chart", _charts())
def test_every_format_is_valid_d3(chart) -> None:
    formats = _formats(chart.to_dict())
    assert formats
    for fmt in formats:
        assert D3_FORMAT.fullmatch(fmt), f"{fmt!r} is not a d3-format specifier"


def test_hidden_cell_lists_are_not_sent_to_the_browser() -> None:
    frame = pl.DataFrame({"district_code": ["D01"], "spend_gbp": [1.0], "suppressed": [["x"]]})
    spec = charts.bar_by_group(frame, "spend_gbp", "v", "t", "money", "district_code", ("D01",))
    rows = next(iter(spec.to_dict()["datasets"].values()))
    assert "suppressed" not in rows[0]


def test_hidden_segments_are_left_out_of_a_stack() -> None:
    """A NULL segment would stop Vega stacking the segments after it."""
    parts = pl.DataFrame(
        {
            "district_code": ["D03", "D03", "D03"],
            "category": ["childcare", "other", "travel"],
            "payments": [34, None, 672],
            "spend_gbp": [21901.0, None, 13593.33],
        }
    )
    spec = charts.stacked_categories(parts, "district_code", "category", "spend_gbp", "S", "t")
    rows = next(iter(spec.to_dict()["datasets"].values()))
    assert [r["category"] for r in rows] == ["Childcare", "Travel"]  # labels, not codes


def _rows(chart) -> list[dict]:
    """The rows a chart sends to the browser."""
    return next(iter(chart.to_dict()["datasets"].values()))


# 40 offices with a figure, O01 to O40: office k has a rate of k%, and a name that does not
# sort like its code (a name per office: "Aldham 40" for O01 ... "Aldham 01" for O40). They are
# listed in neither order, so only a sort by value puts them right. Two more offices, O41 and
# O42, have their rate hidden ([c]).
OFFICE_CODES = [f"O{k:02}" for k in range(1, 41)]
SHUFFLED = [OFFICE_CODES[(7 * i) % 40] for i in range(40)]  # 7 and 40 share no factor


def _offices(chosen_hidden: bool = False) -> pl.DataFrame:
    codes = [*SHUFFLED, "O41", "O42"]
    return pl.DataFrame(
        {
            "district_code": ["D01" if c <= "O20" else "D02" for c in codes],
            "district_name": ["Northern" if c <= "O20" else "Southern" for c in codes],
            "office_code": codes,
            "office_name": [f"Aldham {41 - int(c[1:]):02}" for c in codes],
            "rate": [int(c[1:]) / 100 if c <= "O40" else None for c in codes],
            "suppressed": [[] if c <= "O40" else ["rate"] for c in codes],
        }
    )


def _office_chart(chosen: tuple[str, ...] = ()):
    return charts.bar_by_group(_offices(), "rate", "Rate", "t", "rate", "office_code", chosen)


def test_forty_offices_draw_the_ten_highest_and_ten_lowest_highest_first() -> None:
    rows = _rows(_office_chart())
    # Rates 40% down to 31% (O40 ... O31), then 10% down to 1% (O10 ... O01); the hidden two
    # have no rank and are not drawn.
    expected = [f"O{k:02}" for k in range(40, 30, -1)] + [f"O{k:02}" for k in range(10, 0, -1)]
    assert [r["office_code"] for r in rows] == expected
    assert [r["rate"] for r in rows] == [k / 100 for k in [*range(40, 30, -1), *range(10, 0, -1)]]
    assert _office_chart().to_dict()["description"] == (
        "Showing the 10 highest and 10 lowest of the 42 offices. "
        "The table below and its CSV download have them all."
    )


def test_chosen_offices_are_drawn_wherever_they_rank_and_against_grey() -> None:
    # O20 (20%) and O25 (25%) rank 21st and 16th of 40: outside both ends, drawn all the same.
    # O42's rate is hidden: it has no rank, and is kept (Vega draws no bar for it).
    chart = _office_chart(("O20", "O25", "O42"))
    rows = _rows(chart)
    expected = (
        [f"O{k:02}" for k in range(40, 30, -1)]
        + ["O25", "O20"]
        + [f"O{k:02}" for k in range(10, 0, -1)]
        + ["O42"]
    )
    assert [r["office_code"] for r in rows] == expected
    chosen = {"O20", "O25", "O42"}
    assert {r["office_code"] for r in rows if r["selection"] == "Chosen in the filters"} == chosen
    assert {r["selection"] for r in rows if r["office_code"] not in chosen} == {"Others"}
    spec = chart.to_dict()
    assert spec["description"] == (
        "Showing the 10 highest and 10 lowest of the 42 offices, and those chosen in the "
        "filters. The table below and its CSV download have them all."
    )
    # Colour says chosen or not, in the theme's blue and a grey: two entries, not a colour per
    # district.
    colour = spec["encoding"]["color"]
    assert colour["field"] == "selection"
    assert colour["scale"] == {
        "domain": ["Chosen in the filters", "Others"],
        "range": ["#1d70b8", "#8c8c8c"],
    }
    # Not colour alone: the chosen offices' names are bold on the axis.
    weight = spec["encoding"]["y"]["axis"]["labelFontWeight"]
    assert weight["condition"]["value"] == "bold" and weight["value"] == "normal"
    for name in ("Aldham 21", "Aldham 16", "Aldham -1"):  # O20, O25 and O42 (41 - 42 = -1)
        assert f'"{name}"' in weight["condition"]["test"]


def test_bars_are_named_with_the_code_in_the_tooltip() -> None:
    spec = _office_chart().to_dict()
    rows = _rows(_office_chart())
    assert spec["encoding"]["y"]["field"] == "label"
    assert spec["encoding"]["y"]["title"] == "Office"
    assert spec["encoding"]["y"]["axis"]["labelLimit"] >= 200  # whole names, not "Devon, Co…"
    # O40 is "Aldham 01", O01 is "Aldham 40".
    assert rows[0]["label"] == "Aldham 01" and rows[-1]["label"] == "Aldham 40"
    tooltip = {t["field"]: t["title"] for t in spec["encoding"]["tooltip"]}
    assert tooltip == {
        "label": "Office",
        "office_code": "Office code",
        "district_name": "District",
        "rate": "Rate",
    }


def test_a_figure_shared_across_the_cut_is_named_in_the_caption() -> None:
    # 30 offices: Q01 to Q12 have a rate of 0%, Q13 to Q30 a rate of k%. The 10 lowest are 10
    # of the twelve at 0%: those last by name (Q03 to Q12, named "Quay 03" ... "Quay 12").
    codes = [f"Q{k:02}" for k in range(1, 31)]
    frame = pl.DataFrame(
        {
            "office_code": codes,
            "office_name": [f"Quay {c[1:]}" for c in codes],
            "rate": [0.0 if k <= 12 else k / 100 for k in range(1, 31)],
        }
    )
    chart = charts.bar_by_group(frame, "rate", "Rate", "t", "rate", "office_code")
    drawn = [r["office_code"] for r in _rows(chart)]
    assert drawn == [f"Q{k:02}" for k in range(30, 20, -1)] + [f"Q{k:02}" for k in range(3, 13)]
    assert chart.to_dict()["description"] == (
        "Showing the 10 highest and 10 lowest of the 30 offices. The 10 lowest end at 0.0%, a "
        "figure 12 offices share: which of them are drawn goes by name. The table below and "
        "its CSV download have them all."
    )


def test_with_nothing_chosen_every_bar_is_the_highlight_and_there_is_no_legend() -> None:
    spec = _office_chart().to_dict()
    assert "color" not in spec["encoding"]
    assert spec["mark"] == {"type": "bar", "color": "#1d70b8"}


def test_a_short_list_is_drawn_whole_highest_first_without_a_note() -> None:
    # Six districts (the sample's size): all drawn, by value; a hidden one sorts last.
    frame = pl.DataFrame(
        {
            "district_code": ["D01", "D02", "D03", "D04", "D05", "D06"],
            "district_name": ["Avon", "Bure", "Cam", "Dee", "Exe", "Fal"],
            "rate": [0.30, None, 0.55, 0.10, 0.42, 0.21],
        }
    )
    chart = charts.bar_by_group(frame, "rate", "Rate", "t", "rate", "district_code", ("D04",))
    rows = _rows(chart)
    assert [r["label"] for r in rows] == ["Cam", "Exe", "Avon", "Fal", "Dee", "Bure"]
    assert [r["selection"] for r in rows] == [
        "Others",
        "Others",
        "Others",
        "Others",
        "Chosen in the filters",
        "Others",
    ]
    assert "description" not in chart.to_dict()
    assert chart.to_dict()["encoding"]["y"]["sort"] == "-x"


def test_two_offices_sharing_a_name_keep_their_own_bars() -> None:
    frame = pl.DataFrame(
        {
            "office_code": ["D01-O01", "D02-O01", "D02-O02"],
            "office_name": ["Newtown", "Newtown", "Oldham"],
            "rate": [0.2, 0.3, 0.1],
        }
    )
    rows = _rows(charts.bar_by_group(frame, "rate", "Rate", "t", "rate", "office_code"))
    assert [r["label"] for r in rows] == ["Newtown (D02-O01)", "Newtown (D01-O01)", "Oldham"]


def _spend_parts() -> pl.DataFrame:
    """30 offices, P01 to P30, each with travel spend of 100 x k and childcare spend of 10 x k
    (a total of 110 x k), and a hidden clothing segment."""
    rows = []
    for k in range(1, 31):
        code = f"P{k:02}"
        for category, spend in (
            ("travel", 100.0 * k),
            ("childcare", 10.0 * k),
            ("clothing_equipment", None),
        ):
            rows.append(
                {
                    "office_code": code,
                    "office_name": f"Place {k}",
                    "category": category,
                    "payments": None if spend is None else k,
                    "spend_gbp": spend,
                }
            )
    return pl.DataFrame(rows)


def test_stacked_spend_draws_the_twenty_offices_that_spent_most_and_the_chosen_ones() -> None:
    chart = charts.stacked_categories(
        _spend_parts(), "office_code", "category", "spend_gbp", "Spend", "t", ("P02",)
    )
    rows = _rows(chart)
    # Totals 110 x k: the 20 largest are P11 to P30; P02 is drawn as chosen. Two visible
    # segments each; the hidden clothing segments are left out.
    expected = {f"P{k:02}" for k in range(11, 31)} | {"P02"}
    assert {r["office_code"] for r in rows} == expected
    assert len(rows) == 2 * len(expected)
    assert {r["category"] for r in rows} == {"Travel", "Childcare"}  # labels, not codes
    assert {r["label"] for r in rows if r["office_code"] == "P30"} == {"Place 30"}
    spec = chart.to_dict()
    assert spec["description"] == (
        "Showing the 20 offices with the most spend of the 30, and those chosen in the "
        "filters. The table below and its CSV download have them all."
    )
    segments, numbers = spec["layer"]
    assert segments["encoding"]["y"]["field"] == "label"
    assert segments["encoding"]["y"]["sort"] == "-x"
    test = segments["encoding"]["y"]["axis"]["labelFontWeight"]["condition"]["test"]
    assert '"Place 2"' in test
    assert "office_code" in [t["field"] for t in segments["encoding"]["tooltip"]]
    # Not colour alone: Childcare is 1 and Travel 2 (in order of name), numbered in the legend
    # and written in their segments.
    assert numbers["encoding"]["text"]["field"] == "key"
    assert "datum.label" in segments["encoding"]["color"]["legend"]["labelExpr"]
    assert segments["encoding"]["color"]["scale"]["domain"] == ["Childcare", "Travel"]
    # A number only where the segment is at least 4% of the longest bar (P30: 110 x 30 = 3,300,
    # so 132): every travel segment drawn (200 for P02 and up), childcare from P14 (140) on.
    keys = {(r["office_code"], r["category"]): r["key"] for r in rows}
    assert {k for (_, c), k in keys.items() if c == "Travel"} == {"2"}
    assert [o for (o, c), k in sorted(keys.items()) if c == "Childcare" and k == "1"] == [
        f"P{k}" for k in range(14, 31)
    ]
    assert keys[("P13", "Childcare")] == keys[("P02", "Childcare")] == ""


def test_reasons_are_drawn_with_their_labels() -> None:
    reasons = pl.DataFrame(
        {"deferral_reason": ["life_event", "illness"], "deferred": [12, 30], "suppressed": [[], []]}
    )
    chart = charts.bars(reasons, "deferral_reason", "deferred", "Reason", "n", "t", "count")
    assert [r["deferral_reason"] for r in _rows(chart)] == ["Life event", "Illness"]


CATALOGUE = Catalogue(
    extract_date=dt.date(2026, 10, 31),
    district_names={"D01": "Avon", "D02": "Bure"},
    office_districts={"D01-O01": "D01", "D01-O02": "D01", "D02-O01": "D02"},
    office_names={"D01-O01": "Bath", "D01-O02": "Keynsham", "D02-O01": "Wroxham"},
)


@pytest.mark.parametrize(
    ("districts", "offices", "group", "chosen"),
    [
        ((), (), "district_code", ()),
        ((), (), "office_code", ()),
        (("D01",), (), "district_code", ("D01",)),
        (("D01",), (), "office_code", ("D01-O01", "D01-O02")),  # the district's offices
        ((), ("D02-O01",), "district_code", ("D02",)),  # the office's district
        ((), ("D02-O01",), "office_code", ("D02-O01",)),
        (("D01",), ("D01-O02",), "office_code", ("D01-O02",)),
    ],
)
def test_what_a_chart_highlights(districts, offices, group, chosen) -> None:
    filters = Filters("2026-01", "2026-06", districts, offices, ("UC",), ("carer",))
    assert filters.chosen(CATALOGUE, group) == chosen
    # The comparison keeps every other filter and drops the places.
    assert filters.compared() == Filters("2026-01", "2026-06", (), (), ("UC",), ("carer",))


def test_a_chart_carries_the_pages_sentences_as_its_description() -> None:
    """Vega puts the top-level description on the chart's element as its accessible name
    (aria-label): the page's sentences first, then the builder's own note."""
    sentences = ["There were 1,234 job entries.", "The 13-week sustained rate was 61.0%."]
    few = pl.DataFrame({"district_code": ["D01"], "spend_gbp": [1.5], "suppressed": [[]]})
    plain = charts.bar_by_group(few, "spend_gbp", "v", "t", "money", "district_code")
    assert "description" not in plain.to_dict()  # one bar: every bar drawn, no note
    assert charts.described(plain, sentences).to_dict()["description"] == (
        "There were 1,234 job entries. The 13-week sustained rate was 61.0%."
    )
    # 30 districts: only the 10 highest and 10 lowest are drawn, and the note says so.
    many = pl.DataFrame(
        {
            "district_code": [f"D{i:02d}" for i in range(30)],
            "spend_gbp": [float(i) for i in range(30)],
            "suppressed": [[]] * 30,
        }
    )
    noted = charts.bar_by_group(many, "spend_gbp", "v", "t", "money", "district_code")
    note = noted.to_dict()["description"]
    assert note.startswith("Showing the 10 highest and 10 lowest of the 30 districts.")
    described = charts.described(noted, sentences).to_dict()["description"]
    assert described == " ".join(sentences) + " " + note
    # Layered charts (the survival curves) take one too; no sentences leave a chart as it was.
    curve = pl.DataFrame(
        {"week": [0, 1], "survival": [1.0, 0.9], "ci_low": [1.0, 0.8], "ci_high": [1.0, 1.0]}
    )
    layered = charts.survival_curves(curve, "Share", "t")
    assert charts.described(layered, sentences[:1]).to_dict()["description"] == sentences[0]
    # Without the page's sentences, the builder's own words about what it draws: never
    # Streamlit's bare "Vega visualization". (£1.50 is written to the pound.)
    assert charts.described(plain, []).to_dict()["description"] == "t: only D01 (£2)."


def test_every_chart_has_words_for_what_it_draws() -> None:
    """The text alternative a chart carries when the page gives it no sentences."""
    reasons = pl.DataFrame(
        {
            "deferral_reason": ["life_event", "illness", "other"],
            "deferred": [12, 30, None],
            "suppressed": [[], [], ["deferred"]],
        }
    )
    chart = charts.bars(reasons, "deferral_reason", "deferred", "Reason", "n", "Why", "count")
    # The hidden one has no rank; of 30 and 12, Illness is the highest.
    assert charts.described(chart, []).to_dict()["description"] == (
        "Why: highest Illness (30), lowest Life event (12)."
    )
    trend = pl.DataFrame(
        {
            "month": ["2026-01", "2026-02", "2026-03", "2026-01", "2026-02", "2026-03"],
            "series": ["A", "A", "A", "B", "B", "B"],
            "value": [0.5, 0.25, None, None, 0.1, None],
        }
    )
    lines = charts.lines_by_month(trend, "Rate", "Trend", "rate")
    # A from its first to its last month with a figure; B has one month only.
    assert charts.described(lines, []).to_dict()["description"] == (
        "Trend: A 50.0% in 2026-01, 25.0% in 2026-02; B 10.0% in 2026-02."
    )
    # The page's sentences, when given, are the description instead.
    assert charts.described(lines, ["Said."]).to_dict()["description"] == "Said."


def test_lines_differ_in_dash_as_well_as_colour() -> None:
    trend = pl.DataFrame(
        {"month": ["2026-01"] * 3, "series": ["A", "B", "C"], "value": [0.1, 0.2, 0.3]}
    )
    encoding = charts.lines_by_month(trend, "Rate", "t", "rate").to_dict()["encoding"]
    assert encoding["strokeDash"]["field"] == encoding["color"]["field"] == "series"
    dashes = encoding["strokeDash"]["scale"]["range"]
    colours = encoding["color"]["scale"]["range"]
    assert len({json.dumps(d) for d in dashes[:3]}) == 3  # three series, three dashes
    assert len(set(colours[:3])) == 3


@pytest.mark.parametrize(
    ("survival", "drawn"),
    [([1.0, 0.9], True), ([None, None], False)],
    ids=["figures", "every-week-hidden"],
)
def test_a_chart_with_no_figure_to_draw_is_told_apart(survival, drawn) -> None:
    curve = pl.DataFrame(
        {"week": [0, 1], "survival": survival, "ci_low": [0.9, 0.8], "ci_high": [1.0, 1.0]}
    )
    assert charts.draws_nothing(charts.survival_curves(curve, "Share", "t")) is not drawn
    hidden = pl.DataFrame(
        {"district_code": ["D01"], "spend_gbp": [None], "suppressed": [["spend_gbp"]]},
        schema_overrides={"spend_gbp": pl.Float64},
    )
    assert charts.draws_nothing(
        charts.bar_by_group(hidden, "spend_gbp", "v", "t", "money", "district_code")
    )


def test_survival_curves_with_every_line_chosen_draw_no_empty_layer() -> None:
    curves = pl.DataFrame(
        {
            "district_code": ["D01", "D01"],
            "week": [0, 1],
            "survival": [1.0, 0.9],
            "ci_low": [1.0, 0.8],
            "ci_high": [1.0, 1.0],
        }
    )
    chosen = charts.survival_curves(curves, "Share", "t", "district_code", ("D01",))
    assert not charts.draws_nothing(chosen)  # no grey layer of the others: none is left
    assert len(chosen.to_dict()["layer"]) == 2  # the band and the highlighted line
    none_chosen = charts.survival_curves(curves, "Share", "t", "district_code")
    assert len(none_chosen.to_dict()["layer"]) == 1  # the grey line only
