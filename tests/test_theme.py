"""The theme's colours pass WCAG 2.2 AA contrast, read as Streamlit reads them.

The contrast ratio is worked out here from WCAG's own definitions (relative luminance of sRGB
colours, https://www.w3.org/TR/WCAG22/#dfn-relative-luminance), not taken from a library, and
checked first on pairs whose ratios are known.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from jcp.web import charts, widgets

ROOT = Path(__file__).resolve().parent.parent
TEXT = 4.5  # WCAG 2.2 1.4.3, text of normal size (AA)
NON_TEXT = 3.0  # WCAG 2.2 1.4.11, parts of controls and of graphics needed to understand them


def relative_luminance(colour: str) -> float:
    """WCAG's relative luminance of a "#rrggbb" colour: 0 for black, 1 for white."""
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    red, green, blue = linear
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """WCAG's contrast ratio, (L1 + 0.05) / (L2 + 0.05) with L1 the lighter: 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),  # the largest there is: (1 + 0.05) / (0 + 0.05)
        ("#ffffff", "#000000", 21.0),  # either way round
        ("#777777", "#777777", 1.0),  # a colour on itself
        # #777777: each channel 119/255 = 0.4667, linear ((0.4667 + 0.055) / 1.055)^2.4
        # = 0.1845, so L = 0.1845 and (1.05) / (0.2345) = 4.48: famously just under 4.5.
        ("#777777", "#ffffff", 4.48),
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes on white
    ],
)
def test_contrast_gives_known_ratios(first: str, second: str, ratio: float) -> None:
    assert round(contrast(first, second), 2) == ratio


def _theme() -> dict[str, str]:
    """The [theme] options as Streamlit's own config loader reads .streamlit/config.toml (in a
    process of its own, started in the app's folder as `make run` starts the server)."""
    code = (
        "import json, streamlit.config as c; c.get_config_options(force_reparse=True); "
        "print(json.dumps({k: c.get_option('theme.' + k) for k in ("
        "'base', 'primaryColor', 'backgroundColor', 'secondaryBackgroundColor', 'textColor', "
        "'linkColor')}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def theme() -> dict[str, str]:
    """The theme's options, read once."""
    return _theme()


def test_the_theme_is_set(theme) -> None:
    assert theme["base"] == "light"
    assert all(theme[k] for k in theme), theme


def test_text_reads_on_every_background(theme) -> None:
    for background in ("backgroundColor", "secondaryBackgroundColor"):
        assert contrast(theme["textColor"], theme[background]) >= TEXT, background
        assert contrast(theme["linkColor"], theme[background]) >= TEXT, background


def test_the_primary_colour_stands_out_and_carries_white_text(theme) -> None:
    for background in ("backgroundColor", "secondaryBackgroundColor"):
        assert contrast(theme["primaryColor"], theme[background]) >= NON_TEXT, background
    # A primary button is white text on the primary colour.
    assert contrast("#ffffff", theme["primaryColor"]) >= TEXT


def test_chart_bars_stand_out_from_the_background(theme) -> None:
    # The highlight is the theme's primary colour; the grey of the others is still a bar.
    assert charts.HIGHLIGHT.lower() == theme["primaryColor"].lower()
    assert contrast(charts.HIGHLIGHT, theme["backgroundColor"]) >= NON_TEXT
    assert contrast(charts.OTHERS, theme["backgroundColor"]) >= NON_TEXT


def test_the_funnels_lines_stand_out_from_the_background(theme) -> None:
    # The limits (grey) and the national rate (near-black) are marks: 3:1 at least.
    funnel = charts.funnel(
        pl.DataFrame(
            {
                "district_code": ["D01"],
                "population": [100],
                "rate": [0.5],
                "target": [0.5],
                "phi": [None],
                "verdict": ["as_expected"],
            }
        ),
        "Rate",
        "t",
        "district_code",
        "higher",
    ).to_dict()
    colours = [layer["mark"]["color"] for layer in funnel["layer"] if "color" in layer["mark"]]
    assert len(colours) == 2
    for colour in colours:
        assert contrast(colour, theme["backgroundColor"]) >= NON_TEXT, colour


def test_no_table_cell_is_coloured() -> None:
    # Verdicts are symbols and words now: the league table colours no cell better or worse.
    frame = pl.DataFrame({"district_code": ["D01", "D02"], "deferral_rate": [0.1, 0.2]})
    styles = widgets.styled(frame)._compute().ctx
    assert not any(prop == "background-color" for cell in styles.values() for prop, _ in cell)


# A colour written in the chart builders: "#rrggbb" (or "#rgb") in quotes. A colour written any
# other way (a name, rgb()) is refused below, so none escapes the contrast checks.
COLOUR_LITERAL = re.compile(r"""["'](#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})["']""")
OTHER_COLOUR = re.compile(
    r"""\b(rgba?|hsla?)\(|["'](red|blue|green|black|white|gr[ae]y|orange|purple|yellow|"""
    r"""pink|brown|steelblue|navy|teal)["']""",
    re.IGNORECASE,
)
CHARTS_SOURCE = ROOT / "jcp" / "web" / "charts.py"


def _chart_colours() -> set[str]:
    return {c.lower() for c in COLOUR_LITERAL.findall(CHARTS_SOURCE.read_text(encoding="utf-8"))}


def test_the_chart_colours_are_found() -> None:
    # The finder itself: it sees the constants charts.py declares (so a test that found no
    # colour at all cannot pass by finding nothing).
    found = _chart_colours()
    declared = {
        charts.HIGHLIGHT,
        charts.OTHERS,
        charts.LIMIT_INK,
        charts.SIGNAL_INK,
        charts.AXIS_INK,
    }
    declared |= {*charts.SERIES_COLOURS, *charts.CATEGORY_COLOURS, charts.CATEGORY_KEY_INK}
    assert {c.lower() for c in declared} <= found
    assert len(found) >= 10
    assert not OTHER_COLOUR.search(CHARTS_SOURCE.read_text(encoding="utf-8"))


# Colours charts.py writes text in, and what that text sits on: 4.5:1 against each.
def _text_inks(theme) -> dict[str, list[str]]:
    return {
        charts.SIGNAL_INK.lower(): [theme["backgroundColor"]],  # the drift signals' words
        charts.AXIS_INK.lower(): [theme["backgroundColor"]],  # axis and legend labels
        charts.CATEGORY_KEY_INK.lower(): list(charts.CATEGORY_COLOURS),  # the segments' numbers
    }


def test_every_chart_colour_passes_on_the_page(theme) -> None:
    """Every colour literal in charts.py is a mark 3:1 on the background (WCAG 1.4.11), or text
    4.5:1 on whatever it is written on (WCAG 1.4.3). A new colour is checked by being written."""
    inks = _text_inks(theme)
    for colour in sorted(_chart_colours()):
        if colour in inks:
            for ground in inks[colour]:
                assert contrast(colour, ground) >= TEXT, (colour, ground)
            if colour == charts.CATEGORY_KEY_INK.lower():
                continue  # white: the segments' numbers only, never a mark on the page
        assert contrast(colour, theme["backgroundColor"]) >= NON_TEXT, colour


def _colour_scales(spec: object) -> list[dict]:
    """Every colour encoding of a field in a Vega-Lite spec, however deeply layered."""
    found = []
    if isinstance(spec, dict):
        colour = spec.get("color")
        if isinstance(colour, dict) and "field" in colour:
            found.append(colour)
        for value in spec.values():
            found += _colour_scales(value)
    elif isinstance(spec, list):
        for item in spec:
            found += _colour_scales(item)
    return found


def test_no_chart_falls_back_to_a_default_palette() -> None:
    """A colour by field with no range of its own would take Streamlit's palette, whose light
    blue (#83c9ff, 1.9:1) is no mark on white: every such scale names colours from charts.py."""
    trend = pl.DataFrame(
        {"month": ["2026-01", "2026-01"], "series": ["A", "B"], "value": [0.1, 0.2]}
    )
    parts = pl.DataFrame(
        {
            "district_code": ["D01", "D01"],
            "category": ["travel", "childcare"],
            "spend_gbp": [3.0, 2.0],
            "payments": [7, 4],
        }
    )
    groups = pl.DataFrame(
        {"district_code": ["D01", "D02"], "rate": [0.1, 0.2], "suppressed": [[], []]}
    )
    built = [
        charts.lines_by_month(trend, "v", "t", "rate"),
        charts.stacked_categories(parts, "district_code", "category", "spend_gbp", "S", "t"),
        charts.bar_by_group(groups, "rate", "v", "t", "rate", "district_code", ("D01",)),
    ]
    allowed = _chart_colours()
    scales = [scale for chart in built for scale in _colour_scales(chart.to_dict())]
    assert len(scales) == 3
    for scale in scales:
        assert {c.lower() for c in scale["scale"]["range"]} <= allowed, scale
