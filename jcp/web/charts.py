"""Altair chart builders: plain functions from a result frame to an alt.Chart (no Streamlit)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import altair as alt
import polars as pl

from jcp.measures import comparison, drift
from jcp.web import formats
from jcp.web.formats import AXIS_FORMATS, NAME_COLUMNS, format_value, with_value_labels

FORMATS = AXIS_FORMATS  # one style per kind (jcp.web.formats)

# At national scale (37 districts, 380 offices) a colour per district would be a legend of 37
# colours nobody can match to bars. Bars are named and sorted instead; colour says one thing
# only: chosen in the filters (the theme's primary colour, .streamlit/config.toml) or not.
HIGHLIGHT = "#1d70b8"
# Grey at 3.4:1 on white: still a visible bar (WCAG 2.2 non-text contrast asks 3:1), yet
# plainly not the highlight. tests/test_theme.py checks both.
OTHERS = "#8c8c8c"
CHOSEN, NOT_CHOSEN = "Chosen in the filters", "Others"
# More bars than this do not read as a chart: only the highest and lowest are drawn (and every
# chosen one); the table under the chart and its CSV download have them all.
MANY_BARS = 25
EACH_END = 10
# Stacked category bars are compared by their length (total spend): the longest are drawn.
MOST_STACKS = 20
GROUP_TITLES = {"district_code": ("District", "districts"), "office_code": ("Office", "offices")}
# Room for a whole name or label on the axis ("Devon, Cornwall and Somerset", "Health and
# wellbeing"; the national geography's longest district name has 39 letters): Streamlit's
# chart theme cuts labels at about 100px.
NAME_WIDTH = 260
# Lines of several series (a trend's measures, a cohort's windows) differ in dash as well as in
# colour (WCAG 1.4.1: never colour alone), in GOV.UK colours each at least 3:1 on the page
# (WCAG 1.4.11; tests/test_theme.py checks every colour written in this file). [1, 0] is solid.
SERIES_COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#505a5f", "#912b88")
SERIES_DASHES = ([1, 0], [8, 4], [2, 2], [8, 3, 2, 3], [12, 3], [4, 4])
# Stacked segments: a colour per category, each dark enough to carry its white key number
# (4.5:1), the number written in the segment and beside its name in the legend.
CATEGORY_COLOURS = ("#1d70b8", "#00703c", "#d4351c", "#4c2c92", "#505a5f", "#912b88", "#594d00")
CATEGORY_KEY_INK = "#ffffff"
# A segment narrower than this share of the longest bar has no room for its number (about
# 16px of the ~500px a bar can run to); its tooltip, the legend and the CSV still name it.
KEY_MIN_SHARE = 0.04
# Axis and legend text. Streamlit's chart theme writes it in #808495, 3.8:1 on white: under the
# 4.5:1 text needs (WCAG 1.4.3; axe-core does not look inside a chart's SVG). GOV.UK's secondary
# text colour instead, 7.1:1.
AXIS_INK = "#505a5f"
# The funnel's limits (dark grey) and national rate (near-black): lines, 3:1 at least.
LIMIT_INK = "#505a5f"


def described(chart: alt.TopLevelMixin, summary: Sequence[str]) -> alt.TopLevelMixin:
    """The chart with the page's sentences (jcp.web.summaries) as its top-level description.

    Vega puts a chart's description on the element it draws into, as its accessible name
    (aria-label, with role "graphics-document"): what a screen reader announces for the chart.
    Without the page's sentences, the builder's own sentences about what it draws (highest and
    lowest, first and last month: ALTERNATIVE in its usermeta) stand in, so that no chart is
    announced as Streamlit's bare "Vega visualization". A builder's note (only part of a long
    list drawn) follows, so the name says that too.
    """
    note = chart.description if isinstance(chart.description, str) else None
    meta = chart.usermeta if isinstance(chart.usermeta, dict) else {}
    sentences = list(summary) or [meta.get(ALTERNATIVE, "")]
    text = " ".join(part for part in [*sentences, note] if part)
    return chart.properties(description=text) if text else chart


def readable(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The chart with its axes' and legend's text in AXIS_INK (a chart's own config wins over
    the theme Streamlit draws it with)."""
    ink = {"labelColor": AXIS_INK, "titleColor": AXIS_INK}
    return chart.configure_axis(**ink).configure_legend(**ink, labelLimit=NAME_WIDTH)


# The usermeta key a builder's text alternative goes under (Vega-Lite passes usermeta through
# untouched and draws nothing from it).
ALTERNATIVE = "text_alternative"


def _alternative(text: str) -> dict[str, object]:
    return {"usermeta": {ALTERNATIVE: text}}


def _ends(frame: pl.DataFrame, value: str, name: str, kind: str) -> str:
    """The highest and lowest drawn, in words: "highest Leeds (61.0%), lowest Hull (40.2%)"."""
    ranked = frame.filter(pl.col(value).is_not_null()).sort([value, name], descending=[True, False])
    if ranked.height == 0:
        return "no figure to draw"
    top, bottom = ranked.row(0, named=True), ranked.row(-1, named=True)
    highest = f"{top[name]} ({format_value(top[value], kind)})"
    if ranked.height == 1:
        return f"only {highest}"
    return f"highest {highest}, lowest {bottom[name]} ({format_value(bottom[value], kind)})"


def draws_nothing(chart: alt.TopLevelMixin) -> bool:
    """True when a layer of `chart` has no mark to draw: no row whose quantitative position
    fields are all present (Vega leaves out a mark with a missing position).

    Vega draws an empty mark as an unlabelled graphic, which a screen reader announces as an
    image with no name (axe-core's svg-img-alt), and everyone else sees an empty frame: such a
    chart is better replaced by words. The builders add optional layers (bands, highlighted
    lines, signals) only when they have rows, so an empty layer means nothing to show.
    """
    layers = chart.layer if isinstance(chart, alt.LayerChart) else [chart]
    if not layers:
        return True
    for layer in layers:
        # Altair moves data that every layer shares up to the layered chart.
        frame = layer.data if isinstance(layer.data, pl.DataFrame) else chart.data
        if not isinstance(frame, pl.DataFrame):
            continue  # data given otherwise (none of ours): not judged here
        fields = []
        for channel in ("x", "y", "x2", "y2"):
            encoded = getattr(layer.encoding, channel, alt.Undefined)
            shorthand = getattr(encoded, "shorthand", alt.Undefined)
            if isinstance(shorthand, str):
                parsed = alt.utils.parse_shorthand(shorthand)
                if parsed.get("type") == "quantitative" and parsed.get("field") in frame.columns:
                    fields.append(parsed["field"])
        drawable = frame.filter(pl.all_horizontal(pl.col(f).is_not_null() for f in fields))
        if drawable.height == 0:
            return True
    return False


def _for_vega(frame: pl.DataFrame) -> pl.DataFrame:
    # Vega-Lite has no decimal type: money goes to float for drawing only (tables keep Decimal).
    # The list of hidden cells is not drawn; hidden values are already NULL, so left out.
    # Enumerated values are drawn as people read them ("Life event", not life_event).
    frame = frame.drop("suppressed") if "suppressed" in frame.columns else frame
    return with_value_labels(
        frame.with_columns(
            pl.col(name).cast(pl.Float64)
            for name, dtype in frame.schema.items()
            if dtype.is_decimal()
        )
    )


def _group_label(frame: pl.DataFrame, group: str) -> pl.Expr:
    """What a bar is called: its district's or office's name (jcp.web.formats.with_names puts it
    beside the code); its code where it has no name, or where two share one, so that their
    bars stay apart."""
    name_column = NAME_COLUMNS.get(group)
    if name_column is None or name_column not in frame.columns:
        return pl.col(group)
    name = pl.col(name_column).fill_null(pl.col(group))
    # Per code, not per row: a stacked chart has a row per segment of each bar.
    return (
        pl.when(pl.col(group).n_unique().over(name) > 1)
        .then(pl.format("{} ({})", name, pl.col(group)))
        .otherwise(name)
    )


def _titles(group: str) -> tuple[str, str]:
    return GROUP_TITLES.get(group, (group.replace("_", " ").capitalize(), "groups"))


def _name_axis(chosen_labels: list[str]) -> alt.Axis:
    """The axis of bar names, the chosen ones in bold."""
    if not chosen_labels:
        return alt.Axis(labelLimit=NAME_WIDTH)
    # Not colour alone (WCAG 1.4.1): a chosen bar's name is bold too. The names go into a Vega
    # expression as JSON string literals, which Vega's expression parser reads as such.
    test = f"indexof({json.dumps(chosen_labels)}, datum.value) >= 0"
    return alt.Axis(
        labelLimit=NAME_WIDTH,
        labelFontWeight={"condition": {"test": test, "value": "bold"}, "value": "normal"},
    )


def highest_and_lowest(
    frame: pl.DataFrame, value: str, group: str, chosen: Sequence[str] = ()
) -> pl.DataFrame:
    """The rows a chart by district or office draws, highest value first.

    Every row up to MANY_BARS; past that the EACH_END highest and EACH_END lowest, and every
    chosen one wherever it ranks. A hidden value (NULL) has no rank: its row is drawn only when
    chosen (as no bar; the chart's caption says hidden values are not plotted).
    """
    ordered = frame.with_columns(_group_label(frame, group).alias("label")).sort(
        [value, "label"], descending=[True, False], nulls_last=True
    )
    if ordered.height <= MANY_BARS:
        return ordered
    ranked = ordered[value].is_not_null().sum()
    rank = pl.int_range(pl.len())
    return ordered.filter(
        (pl.col(value).is_not_null() & ((rank < EACH_END) | (rank >= ranked - EACH_END)))
        | pl.col(group).is_in(list(chosen))
    )


def _shared_ends(values: pl.Series, kind: str, plural: str) -> str:
    """What the cut between the drawn ends and the rest hides: a figure shared across it (21
    offices deferred no interview at all; 10 are drawn). `values` runs highest first."""
    found = []
    ends = (("highest", EACH_END - 1, EACH_END), ("lowest", len(values) - EACH_END, -EACH_END - 1))
    for end, last_drawn, first_left_out in ends:
        boundary = values[last_drawn]
        if values[first_left_out] == boundary:
            sharing = int((values == boundary).sum())
            found.append(
                f" The {EACH_END} {end} end at {format_value(boundary, kind)}, a figure "
                f"{sharing} {plural} share: which of them are drawn goes by name."
            )
    return "".join(found)


def bar_by_group(
    frame: pl.DataFrame,
    value: str,
    value_title: str,
    title: str,
    kind: str,
    group: str,
    chosen: Sequence[str] = (),
) -> alt.Chart:
    """One named bar per district or office, highest first; the chosen ones against grey.

    `chosen` holds the codes chosen in the filters (none: every bar is the highlight colour).
    Past MANY_BARS only the highest and lowest are drawn, and the chart's description says so
    (widgets.chart shows it as the chart's caption).
    """
    group_title, plural = _titles(group)
    data = _for_vega(frame)
    drawn = highest_and_lowest(data, value, group, chosen).with_columns(
        pl.when(pl.col(group).is_in(list(chosen)))
        .then(pl.lit(CHOSEN))
        .otherwise(pl.lit(NOT_CHOSEN))
        .alias("selection")
    )
    tooltip = [
        alt.Tooltip("label:N", title=group_title),
        alt.Tooltip(f"{group}:N", title=f"{group_title} code"),
    ]
    if group == "office_code" and "district_name" in drawn.columns:
        tooltip.append(alt.Tooltip("district_name:N", title="District"))
    tooltip.append(alt.Tooltip(f"{value}:Q", title=value_title, format=FORMATS[kind]))
    selections = set(drawn["selection"])
    # Colour only when it tells chosen from not chosen: with nothing chosen, or only chosen
    # bars drawn (a user's own offices), every bar is the highlight and there is no legend.
    split = selections == {CHOSEN, NOT_CHOSEN}
    chosen_labels = drawn.filter(pl.col("selection") == CHOSEN)["label"].to_list()
    encoding = {
        "x": alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=FORMATS[kind])),
        "y": alt.Y(
            "label:N",
            title=group_title,
            sort="-x",
            axis=_name_axis(chosen_labels if split else []),
        ),
        "tooltip": tooltip,
    }
    if split:
        encoding["color"] = alt.Color(
            "selection:N",
            scale=alt.Scale(domain=[CHOSEN, NOT_CHOSEN], range=[HIGHLIGHT, OTHERS]),
            legend=alt.Legend(title=None, orient="top"),
        )
    note = {}
    if drawn[value].is_not_null().sum() < data[value].is_not_null().sum():
        also = ", and those chosen in the filters" if chosen else ""
        ranked = data[value].drop_nulls().sort(descending=True)
        note["description"] = (
            f"Showing the {EACH_END} highest and {EACH_END} lowest of the {data.height:,} "
            f"{plural}{also}.{_shared_ends(ranked, kind, plural)} The table below and its CSV "
            "download have them all."
        )
    alternative = f"{title}: {_ends(drawn, value, 'label', kind)}."
    if split:
        alternative += f" Chosen in the filters: {', '.join(chosen_labels)}."
    return (
        alt.Chart(drawn, title=title, **note, **_alternative(alternative))
        .mark_bar(color=HIGHLIGHT)
        .encode(**encoding)
    )


# A trend frame's drift columns (results.trend_frame adds them where a series is a comparable
# rate): the month's signal (jcp.measures.drift.SIGNALS, or empty) and whether it was judged.
DRIFT_SIGNAL, DRIFT_JUDGED = "drift_signal", "drift_judged"
# Marks drawn in near-black, whatever their series' colour: a signal is told by its shape and
# words, never by colour, and black outlines and text read on white and on every line colour.
SIGNAL_INK = "#0b0c0c"


def lines_by_month(
    frame: pl.DataFrame, value_title: str, title: str, kind: str, series_title: str = "Measure"
) -> alt.Chart:
    """Lines over months from a long frame with columns month, series, value.

    With drift columns (DRIFT_SIGNAL, DRIFT_JUDGED), each flagged month is also a point shaped
    by its rule (triangle up or down: outside the range its own previous 12 months make likely;
    diamond: a run of 8 on one side of its centre) with its words beside it, and the chart's
    description (widgets.chart shows it as the caption) names the rules and the rates judged.
    """
    data = _for_vega(frame)
    month = alt.X("month:O", title="Month")
    value = alt.Y("value:Q", title=value_title, axis=alt.Axis(format=FORMATS[kind]))
    names = data["series"].unique(maintain_order=True).to_list()
    series = alt.Color(
        "series:N",
        title=series_title,
        scale=alt.Scale(domain=names, range=list(SERIES_COLOURS)),
        legend=alt.Legend(orient="top", symbolStrokeWidth=2, symbolSize=300),
    )
    dashes = alt.StrokeDash(
        "series:N",
        title=series_title,
        scale=alt.Scale(domain=names, range=[list(d) for d in SERIES_DASHES]),
    )
    tooltip = [
        alt.Tooltip("month:O", title="Month"),
        alt.Tooltip("series:N", title=series_title),
        alt.Tooltip("value:Q", title=value_title, format=FORMATS[kind]),
    ]
    lines = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(x=month, y=value, color=series, strokeDash=dashes, tooltip=tooltip)
    )
    # Top-level only: Vega-Lite allows usermeta on the outermost chart alone.
    alternative = _alternative(_trend_alternative(data, title, kind))
    if DRIFT_SIGNAL not in data.columns:
        return lines.properties(title=title, **alternative)
    flagged = data.filter(pl.col(DRIFT_SIGNAL).is_not_null() & pl.col("value").is_not_null())
    judged = (
        data.filter(pl.col(DRIFT_JUDGED))["series"].unique(maintain_order=True).to_list()
        if DRIFT_JUDGED in data.columns
        else []
    )
    description = _drift_description(judged, flagged.height)
    if flagged.height == 0:
        return lines.properties(title=title, description=description, **alternative)
    present = [s for s in drift.SIGNALS if s in set(flagged[DRIFT_SIGNAL])]
    flagged = flagged.with_columns(
        pl.col(DRIFT_SIGNAL).replace_strict(drift.SIGNAL_LABELS).alias("signal_label"),
        pl.col(DRIFT_SIGNAL).replace_strict(drift.SIGNAL_MARKS).alias("signal_mark"),
        pl.col(DRIFT_SIGNAL).replace_strict(drift.SIGNAL_WORDS).alias("signal_words"),
    )
    shape = alt.Shape(
        "signal_label:N",
        title="Drift signal",
        scale=alt.Scale(
            domain=[drift.SIGNAL_LABELS[s] for s in present],
            range=[drift.SIGNAL_SHAPES[s] for s in present],
        ),
        legend=alt.Legend(orient="bottom"),
    )
    signal_tooltip = [*tooltip, alt.Tooltip("signal_words:N", title="Drift signal")]
    points = (
        alt.Chart(flagged)
        .mark_point(filled=True, size=170, stroke=SIGNAL_INK, strokeWidth=1, opacity=1)
        .encode(x=month, y=value, color=series, shape=shape, tooltip=signal_tooltip)
    )
    words = (
        alt.Chart(flagged)
        .mark_text(dy=-14, fontSize=11, color=SIGNAL_INK)
        .encode(x=month, y=value, text="signal_mark:N", tooltip=signal_tooltip)
    )
    return alt.layer(
        lines,
        points,
        words,
        title=title,
        description=description,
        **alternative,
    )


def _trend_alternative(data: pl.DataFrame, title: str, kind: str) -> str:
    """Each series from its first to its last month with a figure, in words."""
    parts = []
    for (name,), rows in data.filter(pl.col("value").is_not_null()).group_by(
        "series", maintain_order=True
    ):
        rows = rows.sort("month")
        first, last = rows.row(0, named=True), rows.row(-1, named=True)
        parts.append(
            f"{name} {format_value(first['value'], kind)} in {first['month']}"
            + (
                f", {format_value(last['value'], kind)} in {last['month']}"
                if rows.height > 1
                else ""
            )
        )
    return f"{title}: {'; '.join(parts) if parts else 'no month to draw'}."


def _drift_description(judged: list[str], flagged: int) -> str:
    """The drift rules in words, the rates judged and how many months are flagged."""
    if not judged:
        return (
            "No month of these rates could be judged for drift yet: a month is judged once "
            f"{drift.MIN_BASELINE_MONTHS} of its previous {drift.BASELINE_MONTHS} months are "
            "published."
        )
    found = (
        "No month is flagged."
        if flagged == 0
        else f"{flagged} month{'s are' if flagged > 1 else ' is'} flagged."
    )
    names = judged[0] if len(judged) == 1 else f"{', '.join(judged[:-1])} and {judged[-1]}"
    return f"Drift signals for {names}: {drift.RULE_TEXT} {found}"


def stacked_categories(
    frame: pl.DataFrame,
    group: str,
    category: str,
    value: str,
    value_title: str,
    title: str,
    chosen: Sequence[str] = (),
) -> alt.Chart:
    """Stacked horizontal bars: one named bar per group, one segment per category, longest first.

    Past MANY_BARS groups only the MOST_STACKS with the largest total are drawn, and every
    chosen one (its name in bold); the chart's description says so.
    """
    group_title, plural = _titles(group)
    # A NULL (hidden) segment would break the stack for every segment after it: leave it out.
    data = _for_vega(frame).filter(pl.col(value).is_not_null())
    data = data.with_columns(
        _group_label(data, group).alias("label"),
        pl.col(value).sum().over(group).alias("total"),
    )
    groups = frame[group].n_unique()
    drawn = data
    if groups > MANY_BARS:
        longest = (
            data.group_by(group)
            .agg(pl.col("total").first(), pl.col("label").first())
            .sort(["total", "label"], descending=[True, False])
            .head(MOST_STACKS)[group]
            .to_list()
        )
        drawn = data.filter(pl.col(group).is_in(longest) | pl.col(group).is_in(list(chosen)))
    note = {}
    if drawn[group].n_unique() < data[group].n_unique():
        also = ", and those chosen in the filters" if chosen else ""
        note["description"] = (
            f"Showing the {MOST_STACKS} {plural} with the most {value_title.lower()} of the "
            f"{groups:,}{also}. The table below and its CSV download have them all."
        )
    chosen_labels = drawn.filter(pl.col(group).is_in(list(chosen)))["label"].unique().to_list()
    tooltip = [
        alt.Tooltip("label:N", title=group_title),
        alt.Tooltip(f"{group}:N", title=f"{group_title} code"),
    ]
    if group == "office_code" and "district_name" in drawn.columns:
        tooltip.append(alt.Tooltip("district_name:N", title="District"))
    tooltip += [
        alt.Tooltip(f"{category}:N", title="Category"),
        alt.Tooltip(f"{value}:Q", title=f"{value_title} (£)", format=",.0f"),
        alt.Tooltip("payments:Q", title="Payments", format=",.0f"),
    ]
    # Not colour alone (WCAG 1.4.1): each category has a number, written in its segments (where
    # they are wide enough) and before its name in the legend.
    keys = sorted(drawn[category].unique().to_list())
    drawn = drawn.with_columns(
        pl.when(pl.col(value) >= KEY_MIN_SHARE * pl.col("total").max())
        .then(pl.col(category).replace_strict(keys, [str(n) for n in range(1, len(keys) + 1)]))
        .otherwise(pl.lit(""))
        .alias("key")
    )
    legend_label = f"(indexof({json.dumps(keys)}, datum.label) + 1) + '  ' + datum.label"
    category_title = category.replace("_", " ").capitalize()
    x = alt.X(
        f"sum({value}):Q",
        title=f"{value_title} (£)",
        axis=alt.Axis(format=",.0f"),
        stack="zero",
    )
    y = alt.Y("label:N", title=group_title, sort="-x", axis=_name_axis(chosen_labels))
    totals = drawn.group_by("label").agg(pl.col(value).sum())
    alternative = f"{title}: {_ends(totals, value, 'label', 'money')}."
    segments = (
        alt.Chart(drawn.drop("total"))
        .mark_bar(stroke=CATEGORY_KEY_INK, strokeWidth=1)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                f"{category}:N",
                title=category_title,
                scale=alt.Scale(domain=keys, range=list(CATEGORY_COLOURS)),
                legend=alt.Legend(labelExpr=legend_label, orient="top", columns=4),
            ),
            order=alt.Order(f"{category}:N"),
            tooltip=tooltip,
        )
    )
    numbers = (
        alt.Chart(drawn.drop("total"))
        .mark_text(align="right", dx=-4, color=CATEGORY_KEY_INK, fontWeight="bold", fontSize=11)
        .encode(x=x, y=y, detail=f"{category}:N", order=alt.Order(f"{category}:N"), text="key:N")
    )
    return alt.layer(segments, numbers, title=title, **note, **_alternative(alternative))


def bars(
    frame: pl.DataFrame,
    label: str,
    value: str,
    label_title: str,
    value_title: str,
    title: str,
    kind: str,
) -> alt.Chart:
    """Simple horizontal bars for a small breakdown (dimensions, reasons)."""
    data = _for_vega(frame)
    alternative = f"{title}: {_ends(data, value, label, kind)}."
    return (
        alt.Chart(data, title=title, **_alternative(alternative))
        .mark_bar()
        .encode(
            x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=FORMATS[kind])),
            y=alt.Y(
                f"{label}:N", title=label_title, sort="-x", axis=alt.Axis(labelLimit=NAME_WIDTH)
            ),
            tooltip=[
                alt.Tooltip(f"{label}:N", title=label_title),
                alt.Tooltip(f"{value}:Q", title=value_title, format=FORMATS[kind]),
            ],
        )
    )


def survival_curves(
    frame: pl.DataFrame,
    value_title: str,
    title: str,
    group: str | None = None,
    chosen: Sequence[str] = (),
) -> alt.Chart:
    """Kaplan-Meier curves as steps over weeks, with their 95% band.

    One curve (the total, `group` None), or one per district or office: the chosen ones in the
    highlight colour with their bands, the rest thin grey lines without (a band per line would
    hide the others; a colour per line would be a legend of 37). With nothing chosen, every
    line is grey and none has a band. Hidden and empty weeks are not drawn.
    """
    data = _for_vega(frame).filter(pl.col("survival").is_not_null())
    week = alt.X("week:Q", title="Weeks since the start", scale=alt.Scale(domain=[0, 104]))
    value = alt.Y("survival:Q", title=value_title, axis=alt.Axis(format=FORMATS["rate"]))
    tooltip = [
        alt.Tooltip("week:Q", title="Week"),
        alt.Tooltip("survival:Q", title=value_title, format=FORMATS["rate"]),
        alt.Tooltip("ci_low:Q", title="Lower 95% limit", format=FORMATS["rate"]),
        alt.Tooltip("ci_high:Q", title="Upper 95% limit", format=FORMATS["rate"]),
    ]
    # Only layers with rows (charts.draws_nothing: an empty layer is read as nothing to show).
    layers = []
    if group is None:
        band_data = data
        lines = [
            alt.Chart(data)
            .mark_line(interpolate="step-after", color=HIGHLIGHT)
            .encode(x=week, y=value, tooltip=tooltip)
        ]
        alternative = f"{title}: {_curve_ends(data, value_title)}."
    else:
        group_title, plural = _titles(group)
        data = data.with_columns(_group_label(data, group).alias("label"))
        picked = pl.col(group).is_in(list(chosen))
        band_data = data.filter(picked)
        tooltip = [alt.Tooltip("label:N", title=group_title), *tooltip]
        others = data.filter(~picked)
        lines = []
        if others.height:
            lines.append(
                alt.Chart(others)
                .mark_line(interpolate="step-after", color=OTHERS, strokeWidth=1, opacity=0.5)
                .encode(x=week, y=value, detail="label:N", tooltip=tooltip)
            )
        if band_data.height:
            lines.append(
                alt.Chart(band_data)
                .mark_line(interpolate="step-after", color=HIGHLIGHT, strokeWidth=2.5)
                .encode(x=week, y=value, detail="label:N", tooltip=tooltip)
            )
        drawn = data["label"].n_unique()
        alternative = f"{title}: {drawn} {group_title.lower() if drawn == 1 else plural}"
        alternative += "".join(
            f"; {name}: {_curve_ends(rows, value_title)}"
            for (name,), rows in band_data.group_by("label", maintain_order=True)
        )
        alternative += "."
    if band_data.height:
        layers.append(
            alt.Chart(band_data)
            .mark_area(interpolate="step-after", color=HIGHLIGHT, opacity=0.2)
            .encode(
                x=week,
                y=alt.Y("ci_low:Q", title=value_title),
                y2="ci_high:Q",
                **({"detail": "label:N"} if group is not None else {}),
            )
        )
    return alt.layer(*layers, *lines, title=title, **_alternative(alternative))


def _curve_ends(rows: pl.DataFrame, value_title: str) -> str:
    """A curve's last drawn week in words: "82.0% at week 26"."""
    last = rows.sort("week").row(-1, named=True) if rows.height else None
    if last is None:
        return "no week to draw"
    return f"{value_title.lower()} {format_value(last['survival'], 'rate')} at week {last['week']}"


# A verdict's point shape on the funnel, so it never rests on colour alone (WCAG 1.4.1): up for
# higher than expected, down for lower, a circle for as expected; the 99.8% ones filled larger.
VERDICT_SHAPES = {
    "higher_998": "triangle-up",
    "higher_95": "triangle-up",
    "as_expected": "circle",
    "lower_95": "triangle-down",
    "lower_998": "triangle-down",
}


def funnel(
    frame: pl.DataFrame,
    value_title: str,
    title: str,
    group: str,
    better: str | None,
    chosen: Sequence[str] = (),
    size_title: str = "Size",
    adjusted: bool = False,
    scale: float = 1,
) -> alt.Chart:
    """A funnel plot (Spiegelhalter 2005) from Runner.compare's frame: each unit's rate against
    its size, the national rate as a line, and the 95% (dashed) and 99.8% (dotted) limits as
    curves that narrow as size grows. A point's shape says its verdict; the chosen units are
    the highlight colour against grey (every unit is the highlight when none is chosen). Units
    too small to place (no verdict) are not drawn; the table beside lists them.

    Adjusted for case mix, a unit is drawn at its expected events E (x) and its adjusted rate,
    O / E x the national rate (y). Its own limits depend on its mix (V / E); the curves are
    drawn for a unit whose mix spreads like the nation's (V = E (1 - p0)), so a point near a
    curve may be judged either side of it: the verdict (its shape, the table) is its own.
    `scale` is the figure's multiplier (100 for a figure per 100): the limits are worked on the
    share and drawn on the figure's own scale.
    """
    group_title, _ = _titles(group)
    data = _for_vega(frame).filter(pl.col("verdict").is_not_null())
    data = data.with_columns(
        _group_label(data, group).alias("label"),
        formats.verdict_labels(pl.col("verdict"), better).alias("verdict_text"),
        pl.col("verdict").replace_strict(VERDICT_SHAPES, default="circle").alias("shape"),
        pl.when(pl.col(group).is_in(list(chosen)) | pl.lit(not chosen))
        .then(pl.lit(CHOSEN))
        .otherwise(pl.lit(NOT_CHOSEN))
        .alias("selection"),
    )
    target = float(frame["target"].drop_nulls()[0]) if frame["target"].is_not_null().any() else 0.0
    share = target / scale  # p0, the share the limits are worked on
    phi = frame["phi"].drop_nulls()[0] if frame["phi"].is_not_null().any() else None
    x_field, y_field = ("expected", "adjusted_rate") if adjusted else ("population", "rate")
    # A size in the curves' terms (a population n): E = n p0 when adjusted.
    per_size = share if adjusted and share > 0 else 1.0
    sizes = data[x_field].cast(pl.Float64) / per_size
    smallest = float(sizes.min()) if data.height else 1.0
    largest = float(sizes.max()) if data.height else 1.0
    curves = pl.DataFrame(
        # From half the smallest to a fifth past the largest: the funnel's narrowing shows even
        # for a team leader's one or two offices.
        comparison.limit_curves(share, phi, smallest * 0.5, largest * 1.2),
        schema={
            "size": pl.Float64,
            "lower_95": pl.Float64,
            "upper_95": pl.Float64,
            "lower_998": pl.Float64,
            "upper_998": pl.Float64,
        },
    ).unpivot(index="size", variable_name="limit", value_name="bound")
    curves = curves.with_columns(pl.col("size") * per_size, pl.col("bound") * scale)
    value_format = FORMATS["rate"] if scale == 1 else FORMATS["mean"]
    curves = curves.with_columns(
        pl.col("limit").str.contains("998").alias("alarm"),
        pl.when(pl.col("limit").str.contains("998"))
        .then(pl.lit("99.8% limits"))
        .otherwise(pl.lit("95% limits"))
        .alias("limits"),
    )
    size_axis = alt.X("size:Q", title=size_title, scale=alt.Scale(zero=False))
    # Not from zero: the limits and points sit in a band around the target, which a 0-100%
    # axis squashes flat.
    rate_axis = alt.Y(
        "bound:Q",
        title=value_title,
        axis=alt.Axis(format=value_format),
        scale=alt.Scale(zero=False),
    )
    lines = (
        alt.Chart(curves)
        .mark_line(color=LIMIT_INK)
        .encode(
            x=size_axis,
            y=rate_axis,
            detail="limit:N",
            strokeDash=alt.StrokeDash(
                "limits:N",
                scale=alt.Scale(domain=["95% limits", "99.8% limits"], range=[[6, 3], [2, 2]]),
                legend=alt.Legend(title=None, orient="top"),
            ),
        )
    )
    centre = (
        alt.Chart(pl.DataFrame({"target": [target], "line": ["National rate"]}))
        .mark_rule(color=SIGNAL_INK)
        .encode(
            y=alt.Y("target:Q"),
            tooltip=[alt.Tooltip("target:Q", title="National rate", format=value_format)],
        )
    )
    tooltip = [
        alt.Tooltip("label:N", title=group_title),
        alt.Tooltip(f"{group}:N", title=f"{group_title} code"),
        alt.Tooltip(f"{y_field}:Q", title=value_title, format=value_format),
        alt.Tooltip(f"{x_field}:Q", title=size_title, format=",.0f"),
        alt.Tooltip("verdict_text:N", title="Verdict"),
    ]
    split = set(data["selection"]) == {CHOSEN, NOT_CHOSEN}
    colour = (
        alt.Color(
            "selection:N",
            scale=alt.Scale(domain=[CHOSEN, NOT_CHOSEN], range=[HIGHLIGHT, OTHERS]),
            legend=alt.Legend(title=None, orient="top"),
        )
        if split
        else alt.value(HIGHLIGHT)
    )
    points = (
        alt.Chart(
            data.select("label", group, y_field, x_field, "verdict_text", "shape", "selection")
        )
        .mark_point(filled=True, size=70, opacity=0.9)
        .encode(
            x=alt.X(f"{x_field}:Q", title=size_title, scale=alt.Scale(zero=False)),
            y=alt.Y(
                f"{y_field}:Q",
                title=value_title,
                axis=alt.Axis(format=value_format),
                scale=alt.Scale(zero=False),
            ),
            shape=alt.Shape("shape:N", scale=None),
            color=colour,
            tooltip=tooltip,
        )
    )
    return alt.layer(lines, centre, points, title=title)
