"""`python -m jcp publish OUT --period FROM..TO`: a statistical release at national level.

The main measures (those the catalogue gives headline figures) by district, and by office where
their spec allows, for the whole nation with disclosure control on: one ODS and one XLSX
workbook (jcp.spreadsheet), a CSV per table, the measure definitions (measures.md) and a short
HTML summary page: headline sentences (jcp.web.summaries, as the overview says them), two charts
with their text alternatives, the method and disclosure notes and links to everything else.

Every file is a function of the database, the period and the settings, apart from the creation
time, which SOURCE_DATE_EPOCH pins: two runs then write the same bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from jcp import spreadsheet
from jcp.config import Settings
from jcp.measures import specs
from jcp.measures.access import Scope
from jcp.measures.disclosure import MARKER, Thresholds, row_with_markers, suppression_note
from jcp.measures.filters import Filters
from jcp.measures.runner import MONTH_PATTERN, MeasureRequest, RequestError, Runner
from jcp.output import csv_text
from jcp.web import charts, summaries
from jcp.web.formats import format_value, with_names
from jcp.web.headlines import HEADLINES

TITLE = "Jobcentre Plus district performance"
# The charts of the summary page: a headline rate by district each.
CHARTS = (("job_entries", "sustained_13w_rate"), ("deferrals", "deferral_rate"))
PERIOD_HELP = "give --period FROM..TO as two months, e.g. 2025-11..2026-10"


class PublishError(RequestError):
    """A release that cannot be written as asked; one line for the user."""


@dataclass(frozen=True)
class ReleaseTable:
    """One table of the release: its file stem, title and the runner's frame with names."""

    stem: str
    title: str
    measure: str
    frame: pl.DataFrame


@dataclass(frozen=True)
class Release:
    period_from: str
    period_to: str
    extract_date: dt.date
    filters: str
    thresholds: Thresholds
    contact: str | None
    headlines: tuple[str, ...]
    tables: tuple[ReleaseTable, ...]
    charts: tuple[tuple[str, str, str], ...]  # (title, SVG, text alternative)

    @property
    def name(self) -> str:
        return f"jcp-release-{self.period_from}-to-{self.period_to}"


def parse_period(text: str) -> tuple[str, str]:
    """FROM..TO as two months; anything else one plain sentence."""
    parts = text.split("..")
    if len(parts) != 2 or not all(MONTH_PATTERN.fullmatch(p) for p in parts):
        raise PublishError(f"--period {text!r}: {PERIOD_HELP}")
    first, last = parts
    if first > last:
        raise PublishError(f"--period {text!r}: {first} is after {last}")
    return first, last


def release_measures() -> list[str]:
    """The measures with headline figures, in the order of their first headline."""
    return list(dict.fromkeys(h.measure for h in HEADLINES))


def build_release(runner: Runner, period: tuple[str, str], settings: Settings) -> Release:
    """Every table, sentence and chart of the release, from the runner at national scope."""
    first, last = period
    cat = runner.catalogue
    extract_month = f"{cat.extract_date:%Y-%m}"
    if last > extract_month:
        raise PublishError(
            f"--period ends in {last}, after the extract's month {extract_month}: the data "
            "has nothing to say about it yet"
        )
    scope = Scope.national()
    filters = Filters(first, last)

    def run(request: MeasureRequest) -> pl.DataFrame:
        runner.check(request)
        return runner.run(request, scope)

    def named(frame: pl.DataFrame) -> pl.DataFrame:
        return with_names(frame, cat.district_names, cat.office_names)

    tables = []
    for measure in release_measures():
        spec = specs.spec(measure)
        for unit in ("district", "office"):
            if unit in spec.groupings:
                tables.append(
                    ReleaseTable(
                        stem=f"{len(tables) + 1:02d}_{measure}_by_{unit}",
                        title=f"{spec.title} by {unit}",
                        measure=measure,
                        frame=named(run(filters.request(measure, unit))),
                    )
                )
    sources = summaries.Sources(
        run=run,
        compare=lambda f, measure, column, unit: runner.compare(
            f.request(measure), column, unit, scope, overdispersion=settings.overdispersion
        ),
        report=lambda name: runner.report(name, scope),
        filters=filters,
        scope=scope,
        catalogue=cat,
    )
    drawn = []
    for measure, column in CHARTS:
        by_district = next(
            t.frame for t in tables if t.measure == measure and t.stem.endswith("_by_district")
        )
        national = run(filters.request(measure))
        drawn.append(_chart(by_district, measure, column, national))
    return Release(
        period_from=first,
        period_to=last,
        extract_date=cat.extract_date,
        filters=filters.describe(cat),
        thresholds=settings.thresholds,
        contact=settings.contact,
        headlines=tuple(summaries.overview(sources)),
        tables=tuple(tables),
        charts=tuple(drawn),
    )


def _chart(
    frame: pl.DataFrame, measure: str, column: str, national: pl.DataFrame
) -> tuple[str, str, str]:
    """A bar per district of one rate, as SVG (Altair's chart, drawn by vl-convert), and its
    text alternative: highest, lowest, the national figure and how many are hidden."""
    import vl_convert

    spec = specs.spec(measure).columns[column]
    title = f"{spec.label} by district"
    chart = charts.bar_by_group(frame, column, spec.label, title, spec.kind, "district_code")
    svg = vl_convert.vegalite_to_svg(chart.to_json())
    shown = frame.filter(pl.col(column).is_not_null()).sort(
        [column, "district_name"], descending=[True, False]
    )
    hidden = frame.height - shown.height
    words = [f"{title}, one bar per district."]
    if shown.height:
        top, bottom = shown.row(0, named=True), shown.row(-1, named=True)
        words.append(
            f"Highest: {top['district_name']}, {format_value(top[column], spec.kind)}; "
            f"lowest: {bottom['district_name']}, {format_value(bottom[column], spec.kind)}."
        )
    overall = row_with_markers(national).get(column) if national.height else None
    if overall is not None and overall != MARKER:
        words.append(f"Nationally: {format_value(overall, spec.kind)}.")
    if hidden:
        districts = "district is" if hidden == 1 else "districts are"
        words.append(f"{hidden} {districts} hidden {MARKER}.")
    words.append("Every district's figure is in the table of the same name.")
    return title, svg, " ".join(words)


def workbook(release: Release) -> spreadsheet.Workbook:
    return spreadsheet.Workbook(
        title=f"{TITLE}: statistical release, {release.period_from} to {release.period_to}",
        extract_date=release.extract_date,
        period=f"{release.period_from} to {release.period_to}",
        filters=release.filters,
        scope="national",
        thresholds=release.thresholds,
        contact=release.contact,
        tables=tuple(spreadsheet.SheetTable(t.title, t.frame) for t in release.tables),
    )


def write_release(release: Release, out: Path, created: dt.datetime | None = None) -> list[Path]:
    """Write the release into `out` (made if missing); the files written, in order."""
    from jcp.measures.specs import catalogue_markdown

    created = created or spreadsheet.creation_time()
    try:
        (out / "csv").mkdir(parents=True, exist_ok=True)
        book = workbook(release)
        files: dict[Path, bytes] = {
            out / f"{release.name}.ods": spreadsheet.ods_bytes(book, created),
            out / f"{release.name}.xlsx": spreadsheet.xlsx_bytes(book, created),
        }
        for table in release.tables:
            files[out / "csv" / f"{table.stem}.csv"] = csv_text(table.frame).encode("utf-8")
        files[out / "measures.md"] = catalogue_markdown().encode("utf-8")
        files[out / "index.html"] = summary_html(release, created).encode("utf-8")
        for path, content in files.items():
            path.write_bytes(content)
    except OSError as exc:
        raise PublishError(f"{out}: cannot write the release ({exc.strerror or exc})") from None
    return list(files)


PAGE_STYLE = """
body { font-family: Arial, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
  color: #0b0c0c; line-height: 1.5; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border-bottom: 1px solid #b1b4b6; padding: 0.3rem 0.6rem; text-align: left; }
td.number { text-align: right; }
figure { margin: 1.5rem 0; }
a { color: #1d70b8; }
"""


def summary_html(release: Release, created: dt.datetime) -> str:
    """The release's summary page. Every text from the data or the settings is escaped."""

    def e(text: object) -> str:
        return html.escape(str(text), quote=True)

    period = f"{release.period_from} to {release.period_to}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(TITLE)}: {e(period)}</title>",
        f"<style>{PAGE_STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{e(TITLE)}: {e(period)}</h1>",
        f"<p>Statistical release, published {e(f'{created:%Y-%m-%d}')}. Data as at "
        f"{e(f'{release.extract_date:%Y-%m-%d}')} (the date of the extract). National "
        "figures for every district and office, with disclosure control.</p>",
        "<h2>Headlines</h2>",
        *(f"<p>{e(sentence)}</p>" for sentence in release.headlines),
        "<h2>Charts</h2>",
    ]
    for number, (title, svg, text) in enumerate(release.charts, start=1):
        # The SVG as an image, not inline markup: nothing in it (district names) can become
        # part of this page.
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        # Its text alternative: a short name (alt) and the chart in words (the caption, which
        # the image is described by), so a screen reader says the words once.
        parts += [
            "<figure>",
            f'<img src="data:image/svg+xml;base64,{data}" alt="{e(title)}: bar chart, '
            f'described below" aria-describedby="chart-{number}-text">',
            f'<figcaption id="chart-{number}-text">{e(text)}</figcaption>',
            "</figure>",
        ]
    parts += [
        "<h2>Tables</h2>",
        "<p>Every table is in both workbooks, one a sheet, with a cover sheet, contents and "
        "notes: "
        f'<a href="{e(release.name)}.ods">OpenDocument spreadsheet (.ods)</a> and '
        f'<a href="{e(release.name)}.xlsx">Excel workbook (.xlsx)</a>. '
        "Each is also a CSV file:</p>",
        "<ul>",
        *(
            f'<li><a href="csv/{e(t.stem)}.csv">{e(t.title)}</a> ({t.frame.height:,} rows)</li>'
            for t in release.tables
        ),
        "</ul>",
        "<h2>How the figures are made</h2>",
        f"<p>{e(spreadsheet.METHOD)}</p>",
        "<p>The definitions of every measure (what it counts, its population, its period rule "
        'and caveats) are in <a href="measures.md">measures.md</a>. In short:</p>',
        "<dl>",
    ]
    for measure in dict.fromkeys(t.measure for t in release.tables):
        spec = specs.spec(measure)
        parts += [f"<dt>{e(spec.title)}</dt>", f"<dd>{e(spec.definition)}</dd>"]
    parts += [
        "</dl>",
        "<h2>Disclosure control</h2>",
        f"<p>{e(suppression_note(release.thresholds))}</p>",
        f"<p>{e(MARKER)} marks a figure hidden to protect individuals; "
        f"{e(spreadsheet.EMPTY_NOTE)}</p>",
        "<h2>Contact</h2>",
        f"<p>{e(release.contact or spreadsheet.NO_CONTACT)}</p>",
        "</main>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)
