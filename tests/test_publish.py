"""`python -m jcp publish`: the release's files, its figures against the runner's, its
workbooks' sheets, a summary page that shows data as text, and the same bytes twice."""

from __future__ import annotations

import csv
import shutil
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from test_spreadsheet import read_ods

from jcp.cli import main
from jcp.extract.load import load
from jcp.measures.access import Scope
from jcp.measures.disclosure import MARKER, SUPPRESSED
from jcp.measures.filters import Filters
from jcp.web.formats import with_names

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2025-11..2026-10"
NAME = "jcp-release-2025-11-to-2026-10"
# 2026-11-02 00:00 UTC: the creation time both runs are pinned to.
EPOCH = "1793577600"
CONTACT = "Statistics team: jcp-stats@example.gov.uk"
# The measures with headline figures, in the overview's order, each by district then office.
TABLES = [
    ("caseload", "Caseload"),
    ("job_entries", "Sustained job entries"),
    ("deferrals", "Deferrals of the initial Work Focused Interview"),
    ("distance_travelled", "Distance travelled"),
    ("fsf_spend", "Flexible Support Fund spend"),
]
STEMS = [
    f"{2 * n + k + 1:02d}_{measure}_by_{unit}"
    for n, (measure, _) in enumerate(TABLES)
    for k, unit in enumerate(("district", "office"))
]


def publish(db: Path, out: Path, tmp_path: Path, *extra: str) -> int:
    """`python -m jcp publish OUT` on `db`, with a test jcp.toml and the time pinned."""
    config = tmp_path / "publish.toml"
    config.write_text(f'[app]\ncontact = "{CONTACT}"\n', encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JCP_CONFIG", str(config))
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        return main(["publish", str(out), "--db", str(db), *extra])


@pytest.fixture(scope="module")
def release(sample_db, tmp_path_factory) -> Path:
    """The sample's release for the 12 months to the extract date."""
    folder = tmp_path_factory.mktemp("release")
    assert publish(sample_db, folder / "out", folder, "--period", PERIOD) == 0
    return folder / "out"


def test_the_release_has_its_files(release) -> None:
    assert sorted(p.relative_to(release).as_posix() for p in release.rglob("*.*")) == sorted(
        [
            f"{NAME}.ods",
            f"{NAME}.xlsx",
            "index.html",
            "measures.md",
            *(f"csv/{stem}.csv" for stem in STEMS),
        ]
    )
    assert (release / "measures.md").read_text(encoding="utf-8") == (
        ROOT / "docs" / "measures.md"
    ).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("stem", "measure", "unit"),
    [(STEMS[5], "deferrals", "office"), (STEMS[9], "fsf_spend", "office")],
)
def test_a_csv_holds_the_runners_figures(release, sample_runner, stem, measure, unit) -> None:
    cat = sample_runner.catalogue
    frame = with_names(
        sample_runner.run(Filters("2025-11", "2026-10").request(measure, unit), Scope.national()),
        cat.district_names,
        cat.office_names,
    )
    rows = list(csv.reader((release / "csv" / f"{stem}.csv").read_text("utf-8").splitlines()))
    assert rows[0] == frame.drop(SUPPRESSED).columns
    assert len(rows) - 1 == frame.height
    assert any(MARKER in row for row in rows[1:]), "the sample's hidden cells are marked"
    for row, (values, hidden) in zip(
        rows[1:],
        zip(frame.drop(SUPPRESSED).iter_rows(), frame[SUPPRESSED], strict=True),
        strict=True,
    ):
        for text, name, value in zip(row, frame.drop(SUPPRESSED).columns, values, strict=True):
            if name in hidden.to_list():
                assert text == MARKER
            elif value is None:
                assert text == ""
            elif isinstance(value, str):
                assert text == value
            else:
                assert float(text) == float(value)


def test_the_workbooks_hold_every_table(release, sample_runner) -> None:
    titles = [f"{title} by {unit}" for _, title in TABLES for unit in ("district", "office")]
    sheets = ["Cover", "Contents", "Notes", *(f"Table_{n}" for n in range(1, 11))]
    book = openpyxl.load_workbook(release / f"{NAME}.xlsx")
    ods = read_ods((release / f"{NAME}.ods").read_bytes())
    assert book.sheetnames == list(ods) == sheets
    # The sample's 6 districts and 53 offices, a row each.
    heights = [6, 53] * 5
    for number, (title, height) in enumerate(zip(titles, heights, strict=True), start=1):
        sheet = book[f"Table_{number}"]
        assert sheet["A1"].value.startswith(f"{title} [note 1]")
        assert ods[f"Table_{number}"][0][0][1] == sheet["A1"].value
        (table,) = sheet.tables.values()
        first, last = (int("".join(c for c in ref if c.isdigit())) for ref in table.ref.split(":"))
        assert last - first == height
    cover = [row[0] for row in book["Cover"].iter_rows(values_only=True) if row[0]]
    assert cover[0] == (
        "Jobcentre Plus district performance: statistical release, 2025-11 to 2026-10"
    )
    assert "Scope: national." in cover and CONTACT in cover
    assert "Period: 2025-11 to 2026-10." in cover


class _Page(HTMLParser):
    """The summary page's tags, text and image alternatives, as a browser reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.alts: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if tag == "a":
            self.links.append(found["href"])
        if tag == "img":
            self.alts.append(found["alt"])
            assert found["src"].startswith("data:image/svg+xml;base64,")

    def handle_data(self, data) -> None:
        self.text.append(data)


def read_page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_the_summary_page(release, sample_runner) -> None:
    page = read_page(release / "index.html")
    text = " ".join(page.text)
    assert "Data as at 2026-10-31" in text and "published 2026-11-02" in text
    # Every link goes to a file of the release.
    assert sorted(page.links) == sorted(
        [f"{NAME}.ods", f"{NAME}.xlsx", "measures.md", *(f"csv/{s}.csv" for s in STEMS)]
    )
    assert all((release / link).is_file() for link in page.links)
    assert page.alts == [
        "13-week sustained rate by district: bar chart, described below",
        "Deferral rate by district: bar chart, described below",
    ]
    # The chart in words: the sample's highest and lowest deferral rates by district.
    deferrals = with_names(
        sample_runner.run(
            Filters("2025-11", "2026-10").request("deferrals", "district"), Scope.national()
        ),
        sample_runner.catalogue.district_names,
        {},
    ).sort("deferral_rate", descending=True, nulls_last=True)
    top, bottom = (
        deferrals.row(0, named=True),
        deferrals.drop_nulls("deferral_rate").row(-1, named=True),
    )
    assert (
        f"Highest: {top['district_name']}, {top['deferral_rate']:.1%}; lowest: "
        f"{bottom['district_name']}, {bottom['deferral_rate']:.1%}."
    ) in text
    total = sample_runner.run(Filters("2025-11", "2026-10").request("caseload"), Scope.national())
    assert f"There were {total['live_claims'][0]:,} live claims" in text
    assert "[c] marks a figure hidden to protect individuals" in text
    assert CONTACT in text


def test_the_same_inputs_give_the_same_bytes(sample_db, release, tmp_path) -> None:
    again = tmp_path / "again"
    assert publish(sample_db, again, tmp_path, "--period", PERIOD) == 0
    files = sorted(p.relative_to(release) for p in release.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for name in files:
        assert (release / name).read_bytes() == (again / name).read_bytes(), name


def test_names_from_the_extract_are_text_on_the_page(tmp_path) -> None:
    # Every district's name is markup: whichever ranks highest or lowest is in the page.
    extract = tmp_path / "extract"
    shutil.copytree(ROOT / "sample_data", extract)
    districts = pl.read_csv(extract / "districts.csv")
    hostile = [f'<script>alert("{code}")</script> & {code}' for code in districts["district_code"]]
    districts.with_columns(pl.Series("district_name", hostile)).write_csv(extract / "districts.csv")
    db = tmp_path / "hostile.duckdb"
    load(extract, db)
    out = tmp_path / "out"
    assert publish(db, out, tmp_path, "--period", PERIOD) == 0
    page = read_page(out / "index.html")
    assert "script" not in page.tags
    raw = (out / "index.html").read_text(encoding="utf-8")
    assert "<script" not in raw
    text = " ".join(page.text)
    # The highest deferral rate's district, named as the extract spells it.
    assert any(f"Highest: {name}, " in text for name in hostile)
    assert "&lt;script&gt;alert(&quot;" in raw


@pytest.mark.parametrize(
    ("period", "message"),
    [
        (
            "2025-11",
            "error: --period '2025-11': give --period FROM..TO as two months, e.g. "
            "2025-11..2026-10\n",
        ),
        (
            "2025-13..2026-01",
            "error: --period '2025-13..2026-01': give --period FROM..TO as "
            "two months, e.g. 2025-11..2026-10\n",
        ),
        ("2026-05..2026-01", "error: --period '2026-05..2026-01': 2026-05 is after 2026-01\n"),
        (
            "2026-01..2026-11",
            "error: --period ends in 2026-11, after the extract's month "
            "2026-10: the data has nothing to say about it yet\n",
        ),
    ],
)
def test_a_bad_period_is_one_line(sample_db, tmp_path, capsys, period, message) -> None:
    capsys.readouterr()
    status = publish(sample_db, tmp_path / "out", tmp_path, "--period", period)
    out, err = capsys.readouterr()
    assert (status, out, err) == (2, "", message)
    assert not (tmp_path / "out").exists()
