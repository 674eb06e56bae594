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


def described(chart: alt.TopLevelMixin, summary: Sequence[str]) -> alt.TopLevelMixin:
    """The chart with the page's sentences (jcp.web.summaries) as its top-level description.

    Vega puts a chart's description on the element it draws into, as its accessible name
    (aria-label, with role "graphics-document"): what a screen reader announces for the chart.
    A builder's own note (only part of a long list drawn) follows the sentences, so the name
    says that too.
    """
    note = chart.description if isinstance(chart.description, str) else None
    text = " ".join([*summary, *([note] if note else [])])
    return chart.properties(description=text) if text else chart


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
    return alt.Chart(drawn, title=title, **note).mark_bar(color=HIGHLIGHT).encode(**encoding)


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
    series = alt.Color("series:N", title=series_title)
    tooltip = [
        alt.Tooltip("month:O", title="Month"),
        alt.Tooltip("series:N", title=series_title),
        alt.Tooltip("value:Q", title=value_title, format=FORMATS[kind]),
    ]
    lines = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(x=month, y=value, color=series, tooltip=tooltip)
    )
    if DRIFT_SIGNAL not in data.columns:
        return lines.properties(title=title)
    flagged = data.filter(pl.col(DRIFT_SIGNAL).is_not_null() & pl.col("value").is_not_null())
    judged = (
        data.filter(pl.col(DRIFT_JUDGED))["series"].unique(maintain_order=True).to_list()
        if DRIFT_JUDGED in data.columns
        else []
    )
    description = _drift_description(judged, flagged.height)
    if flagged.height == 0:
        return lines.properties(title=title, description=description)
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
    return alt.layer(lines, points, words, title=title, description=description)


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
    return (
        alt.Chart(drawn.drop("total"), title=title, **note)
        .mark_bar()
        .encode(
            x=alt.X(f"sum({value}):Q", title=f"{value_title} (£)", axis=alt.Axis(format=",.0f")),
            y=alt.Y(
                "label:N",
                title=group_title,
                sort="-x",
                axis=_name_axis(chosen_labels),
            ),
            color=alt.Color(f"{category}:N", title=category.replace("_", " ").capitalize()),
            tooltip=tooltip,
        )
    )


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
    return (
        alt.Chart(_for_vega(frame), title=title)
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
    if group is None:
        band_data, line_data = data, data
        lines = alt.Chart(line_data).mark_line(interpolate="step-after", color=HIGHLIGHT)
        lines = lines.encode(x=week, y=value, tooltip=tooltip)
    else:
        group_title, _ = _titles(group)
        data = data.with_columns(_group_label(data, group).alias("label"))
        picked = pl.col(group).is_in(list(chosen))
        band_data = data.filter(picked)
        tooltip = [alt.Tooltip("label:N", title=group_title), *tooltip]
        others = (
            alt.Chart(data.filter(~picked))
            .mark_line(interpolate="step-after", color=OTHERS, strokeWidth=1, opacity=0.5)
            .encode(x=week, y=value, detail="label:N", tooltip=tooltip)
        )
        highlighted = (
            alt.Chart(band_data)
            .mark_line(interpolate="step-after", color=HIGHLIGHT, strokeWidth=2.5)
            .encode(x=week, y=value, detail="label:N", tooltip=tooltip)
        )
        lines = others + highlighted
    band = (
        alt.Chart(band_data)
        .mark_area(interpolate="step-after", color=HIGHLIGHT, opacity=0.2)
        .encode(
            x=week,
            y=alt.Y("ci_low:Q", title=value_title),
            y2="ci_high:Q",
            **({"detail": "label:N"} if group is not None else {}),
        )
    )
    return alt.layer(band, lines, title=title)


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
        .mark_line(color="#505a5f")
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
        .mark_rule(color="#0b0c0c")
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
