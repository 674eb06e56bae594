"""Output is data: no CSV cell starts a formula; text from outside is shown as text, not markup."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest
from extracts import claim, office, valid_tables, write_extract
from markup import as_shown, live_markup

from jcp.cli import main
from jcp.extract.load import load
from jcp.output import csv_comment, csv_text, plain_text

HOSTILE = ['=HYPERLINK("http://x")', "+1", "-1+1", "@SUM(A1)", "\tx", "\rx"]


def _cells(text: str) -> list[list[str]]:
    """The CSV's rows as a spreadsheet's CSV import would split them (quotes removed)."""
    return list(csv.reader(io.StringIO(text, newline="")))


def test_text_cells_that_start_a_formula_are_prefixed_and_numbers_stay_numbers() -> None:
    frame = pl.DataFrame(
        {
            "office_name": [*HOSTILE, "Leeds = north", "", None],
            "change": [-3, -1, 0, 2, -7, 4, 5, None, 1],
            "rate": [-0.25, 0.5, -1.0, 0.0, 0.125, -0.5, 1.0, 2.0, None],
        }
    )
    rows = _cells(csv_text(frame))
    assert rows[0] == ["office_name", "change", "rate"]
    # Each hostile text cell gets one leading ' and is otherwise as it was; text that only
    # contains such a character later, and empty or missing cells, are left alone. Numbers
    # are written as numbers, negative ones with their minus sign.
    assert rows[1:] == [
        ['\'=HYPERLINK("http://x")', "-3", "-0.25"],
        ["'+1", "-1", "0.5"],
        ["'-1+1", "0", "-1.0"],
        ["'@SUM(A1)", "2", "0.0"],
        ["'\tx", "-7", "0.125"],
        ["'\rx", "4", "-0.5"],
        ["Leeds = north", "5", "1.0"],
        ["", "", "2.0"],
        ["", "1", ""],
    ]


def test_negative_numbers_in_a_column_with_hidden_cells_stay_numbers() -> None:
    # A hidden cell turns its column into text ([c]) for the export; the column's other cells
    # are numbers written as text, and -0.25 must not be mistaken for a formula and prefixed.
    frame = pl.DataFrame(
        {
            "office_code": ["-O1", "O2", "O3"],
            "mean_change": [-0.25, None, -3.0],
            "suppressed": [[], ["mean_change"], []],
        },
        schema_overrides={"suppressed": pl.List(pl.String)},
    )
    assert _cells(csv_text(frame)) == [
        ["office_code", "mean_change"],
        ["'-O1", "-0.25"],
        ["O2", "[c]"],
        ["O3", "-3.0"],
    ]


def test_app_download_neutralises_cells_after_its_own_header(sample_db, monkeypatch) -> None:
    from jcp.web.widgets import csv_bytes

    # The download names districts and offices from the app's database: the sample's, not
    # whatever data/dashboard.duckdb the checkout has (a fresh one has none).
    monkeypatch.setenv("JCP_DB", str(sample_db))

    header = "# Overdue deferred interviews. Data as at 2026-10-31.\n# Operational list.\n"
    frame = pl.DataFrame({"work_coach_ref": ["@SUM(A1)", "WC02"], "days_overdue": [-2, 3]})
    text = csv_bytes(header, frame).decode("utf-8")
    assert text.startswith(header)
    assert _cells(text[len(header) :]) == [
        ["work_coach_ref", "days_overdue"],
        ["'@SUM(A1)", "-2"],
        ["WC02", "3"],
    ]


def test_a_header_line_stays_one_comment_line() -> None:
    # An office code from the extract holding a line break would otherwise put its second
    # half on a line of its own: a first cell starting "=".
    office = 'O1\r\n=HYPERLINK("http://evil.example/")'
    line = csv_comment(f"Worklist; offices {office}; scope national.")
    assert line == '# Worklist; offices O1 =HYPERLINK("http://evil.example/"); scope national.'


def test_measure_command_csv_neutralises_extract_text(tmp_path, capsys) -> None:
    # A work-coach ref in the extract that is a formula; C1's deferred interview (due
    # 2026-01-12, deferred until 2026-02-20, never held, claim open) is overdue at the extract
    # date 2026-10-31, so the worklist has exactly C1's row with that ref.
    formula = '=HYPERLINK("http://evil.example/","open me")'
    tables = valid_tables()
    tables["claims"][0] = claim("C1", "D01-O01", work_coach_ref=formula)
    db = tmp_path / "tiny.duckdb"
    load(write_extract(tmp_path / "extract", tables), db)
    capsys.readouterr()
    status = main(
        ["measure", "overdue_deferrals", "--db", str(db), "--national", "--format", "csv"]
    )
    out, err = capsys.readouterr()
    assert status == 0, err
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert row["claim_id"] == "C1"
    assert row["work_coach_ref"] == "'" + formula
    # 2026-02-20 to 2026-10-31: 8 days left of February, then 31+30+31+30+31+31+30+31 = 245.
    assert row["days_overdue"] == "253"


# Text that is never markup --------------------------------------------------------------------

LINK = "[Your session expired - sign in again](http://evil.example/login)"
PIXEL = "![p](http://evil.example/pixel.png)"
MARKUP = [
    LINK,
    PIXEL,
    "see http://evil.example/x, www.evil.example and eve@evil.example",
    ":material/warning: :smile: :red[red] :blue-background[bg] :streamlit:",
    "$x^2$ and $$y$$",
    "<img src=x onerror=alert(1)> <b>bold</b> &amp;",
    "**bold** _it_ `code` ~~gone~~ | a | b |",
    "back\\slash \\[x] and \\:red[y]",
    "D01-O03 · Leeds (St. Helens) 50% £3",
]


@pytest.mark.parametrize("text", MARKUP)
def test_plain_text_reads_as_written_with_no_markup_left(text) -> None:
    body = plain_text(text)
    assert as_shown(body) == text
    assert live_markup(body) == []


def test_the_markup_checker_finds_what_streamlit_would_render() -> None:
    # The checker itself must be able to fail: raw text is full of live markup.
    assert live_markup(LINK) == ["[", "]", "http://"]
    assert live_markup(PIXEL) == ["[", "]", "http://"]
    assert live_markup(":smile: eve@x.uk www.x.uk") == [":s", "e@x", "www."]


def test_plain_text_flattens_lines() -> None:
    # One-line messages: a line break could start a heading, list or code block. Each run of
    # control characters becomes one space: "\r\n" is one run, "\t" another.
    assert as_shown(plain_text("a\n# heading\r\n- item\tx")) == "a # heading - item x"


# ... in the app ---------------------------------------------------------------------------------

HOSTILE_OFFICE = "O[9](http://evil.example/o)"  # an extract's office code
HOSTILE_KEY = "[admin](http://evil.example/a)"  # an access-file key: not an e-mail address


def _assert_text_only(bodies: list[str], expected: str) -> None:
    """Exactly one of the Markdown bodies shows `expected`, and it holds no live markup."""
    showing = [body for body in bodies if expected in as_shown(body)]
    assert len(showing) == 1, [as_shown(b) for b in bodies]
    assert live_markup(showing[0]) == [], showing[0]


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> tuple[Path, Path]:
    """The hand-built extract with a link for its source and an office code with a link in it,
    and an access file with a key that is a link and a team leader of that office."""
    folder = tmp_path_factory.mktemp("hostile")
    tables = valid_tables()
    tables["offices"].append(office(HOSTILE_OFFICE, "D02"))
    db = folder / "hostile.duckdb"
    load(write_extract(folder / "extract", tables, source=LINK), db)
    access = folder / "access.toml"
    access.write_text(
        '[users."analyst@x.uk"]\nrole = "national"\n'
        f'[users."leader@x.uk"]\nrole = "team_leader"\noffices = ["{HOSTILE_OFFICE}"]\n'
        f'[users."{HOSTILE_KEY}"]\nrole = "national"\n',
        encoding="utf-8",
    )
    return db, access


def test_link_and_image_in_the_url_are_shown_as_text(sample_db, app_for) -> None:
    at = app_for(sample_db, {"office": [LINK, PIXEL]})
    at.run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    for payload in (LINK, PIXEL):
        _assert_text_only(warnings, f"Ignored office {payload!r} from the link: it is not in")


def test_extract_and_access_file_text_is_shown_as_text(hostile_db, app_for) -> None:
    db, access = hostile_db
    at = app_for(db, {"office": HOSTILE_OFFICE}, access=access, demo_user="analyst@x.uk")
    at.run()
    assert not at.exception
    # The page's caption names the office the link chose, by its name from the extract (the
    # test extract names it "Office " + code) with the code beside it, as text.
    captions = [c.value for c in at.caption]
    _assert_text_only(captions, f"offices Office {HOSTILE_OFFICE} ({HOSTILE_OFFICE});")
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception
    _assert_text_only([c.value for c in at.caption], f"Source: {LINK}")
    _assert_text_only([w.value for w in at.warning], f"user {HOSTILE_KEY!r}: not an e-mail")


def test_scope_label_is_shown_as_text(hostile_db, app_for) -> None:
    db, access = hostile_db
    at = app_for(db, access=access, demo_user="leader@x.uk")
    at.run()
    assert not at.exception
    _assert_text_only([c.value for c in at.caption], f"Seeing: team leader: {HOSTILE_OFFICE}.")


def test_signed_in_email_is_shown_as_text(hostile_db, app_for) -> None:
    db, access = hostile_db
    email = "[eve](http://evil.example/e)@x.uk"
    at = app_for(db, access=access, real_sign_in=True)
    at.user = {"is_logged_in": True, "email": email}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["No access yet"]
    _assert_text_only([c.value for c in at.caption], f"Signed in as {email}")
    _assert_text_only([w.value for w in at.warning], f"You are signed in as {email}, but")
