"""About these figures and the accessibility statement, through AppTest: every catalogue entry
is there under its anchor, figures' help links to anchors the page defines, extract text shows
as text, and the statement has the GOV.UK sample's sections."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from extracts import valid_tables, write_extract
from markup import as_shown, live_markup
from streamlit.testing.v1 import AppTest

from jcp.config import ConfigError, load_settings
from jcp.extract.load import load
from jcp.measures import specs
from jcp.web.pages import PAGES
from jcp.web.statement import StatementError, read_facts

ROOT = Path(__file__).resolve().parent.parent
ABOUT = next(p for p in PAGES if p.file == "pages/about.py")
STATEMENT = next(p for p in PAGES if p.file == "pages/accessibility.py")
# A source name an extract could send: a link that must not become one in the app.
HOSTILE_SOURCE = "[Your session expired - sign in again](http://evil.example/login)"
# The headings of GOV.UK's sample accessibility statement, written out here rather than read
# from the page's code, so a heading dropped from the page fails.
STATEMENT_HEADINGS = [
    "How accessible this dashboard is",
    "Feedback and contact information",
    "Reporting accessibility problems with this dashboard",
    "Enforcement procedure",
    "Technical information about this dashboard's accessibility",
    "Compliance status",
    "Non-accessible content",
    "Non-compliance with the accessibility regulations",
    "What we're doing to improve accessibility",
    "Preparation of this accessibility statement",
]
# Markdown links to a page of the app with the filters' query and an anchor:
# about?from=2025-11&to=2026-10#deferrals.
HELP_LINK = re.compile(r"\[About these figures\]\(([a-z_]+)\?([^#)\s]*)#([a-z0-9_-]+)\)")


def _open(at: AppTest, page_file: str) -> AppTest:
    at.run()
    at.switch_page(page_file)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _headings(at: AppTest) -> list:
    return [*at.main.header, *at.main.subheader]


def _anchors(at: AppTest) -> dict[str, str]:
    """Each heading's anchor (its id in the page) and its text."""
    return {h.proto.anchor: h.value for h in _headings(at) if h.proto.anchor}


def _markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.main.markdown]


@pytest.fixture(scope="module")
def about_page(sample_db, tmp_path_factory) -> dict:
    """What the About page drew on the sample, read once for the tests that only read it."""
    # app_for is function-scoped; this module fixture builds its own AppTest the same way.
    folder = tmp_path_factory.mktemp("about")
    config = folder / "jcp.toml"
    config.write_text(
        f'[access]\nfile = "{ROOT / "sample_data" / "access.toml"}"\n'
        f'[audit]\nlog = "{folder / "audit.jsonl"}"\n',
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JCP_DB", str(sample_db))
        patch.setenv("JCP_CONFIG", str(config))
        from streamlit.runtime.pages_manager import PagesManager

        original = PagesManager.__init__

        def as_navigation_app(self, *args, **kwargs):
            original(self, *args, **kwargs)
            PagesManager.uses_pages_directory = False

        patch.setattr(PagesManager, "__init__", as_navigation_app)
        at = _open(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), ABOUT.file)
        return {
            "anchors": _anchors(at),
            "markdown": _markdown(at),
            "metrics": {m.label: m.value for m in at.metric},
            "headings": [h.value for h in _headings(at)],
        }


# ---- every catalogue entry -----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(specs.catalogue()))
def test_every_catalogue_entry_has_its_heading_anchor_and_definition(about_page, name) -> None:
    spec = specs.spec(name)
    # The heading is the spec's title, under the measure's own name as its anchor.
    assert about_page["anchors"].get(name) == spec.title
    body = "\n".join(about_page["markdown"])
    assert spec.definition in body
    for column in spec.columns.values():
        assert f"| {column.label} | {column.help} |" in body, column.name


def test_an_entry_states_population_period_caveats_and_protection(about_page) -> None:
    spec = specs.spec("deferrals")
    (entry,) = [m for m in about_page["markdown"] if m.startswith(spec.definition)]
    assert f"- **Population:** {spec.population}" in entry
    assert f"- **Period:** {spec.period}" in entry
    for caveat in spec.caveats:
        assert f"- **Caveat:** {caveat}" in entry
    # The deferral rate is deferred ÷ interviews due, named by their labels, not column names.
    assert (
        "| Deferral rate | Share of non-JSA initial Work Focused Interviews due in the period "
        "that were deferred. | neither | published deferred ÷ interviews due; [c] when "
        "interviews due is small; comparable:"
    ) in entry


def test_anchors_are_unique_and_no_section_takes_a_measures_name(about_page) -> None:
    anchors = about_page["anchors"]
    # Every heading of the page has an anchor of its own (no two headings share one).
    assert len(anchors) == len(about_page["headings"])
    sections = set(anchors) - set(specs.catalogue())
    assert sections == {
        "what-c-means",
        "how-figures-are-adjusted",
        "the-data-and-what-the-load-rejected",
        "measures",
        "lists",
        "reports",
    }


def test_c_is_explained_with_the_deployments_thresholds(about_page) -> None:
    # The test jcp.toml sets no [disclosure]: min_count 5, min_denominator 10, min_payments 5.
    # Counts move by at most 2, so a [c] (adjusted 1..4) is a true 1..6 and a 0 a true 0..2.
    (text,) = [m for m in about_page["markdown"] if m.startswith("`[c]` marks")]
    assert "adjusted value is 1 to 4" in text
    assert "true number anywhere from 1 to 6, and a 0 can be a true 0 to 2" in text
    assert "under 10" in text and "fewer than 5 payments" in text


def test_the_extract_date_and_rejects_are_shown(about_page, sample_runner) -> None:
    # The sample extract is dated 2026-10-31 (sample_data/extract.toml) and loads cleanly.
    assert sample_runner.extract_date.isoformat() == "2026-10-31"
    assert about_page["metrics"]["Extract date"] == "31 Oct 2026"
    assert about_page["metrics"]["Rows rejected"] == "0"


# ---- figures' help links here --------------------------------------------------------------


@pytest.mark.parametrize("page", [p for p in PAGES if p.figures], ids=lambda p: p.url_path)
def test_every_tiles_help_links_to_an_anchor_the_about_page_defines(
    page, about_page, sample_db, app_for
) -> None:
    at = app_for(sample_db)
    at.run()
    if not page.default:
        at.switch_page(page.file)
        at.run()
    assert not at.exception
    helps = [m.proto.help for m in at.metric if m.proto.help]
    links = [HELP_LINK.findall(help) for help in helps]
    tiles_with_links = [found for found in links if found]
    if page.url_path not in ("attention", "data"):  # their tiles count the list, not a measure
        assert tiles_with_links, f"no tile on {page.url_path} links to About these figures"
    # The link carries the query the page's sidebar wrote, so the About page's sidebar keeps
    # it as it is (a rewrite of the URL there would drop the anchor before it is scrolled to).
    # (AppTest gives a parameter's one value as a string, several as a list.)
    query = {k: [v] if isinstance(v, str) else list(v) for k, v in at.query_params.items()}
    assert query["from"] and query["to"]
    for found in tiles_with_links:
        for path, link_query, anchor in found:
            assert path == ABOUT.url_path
            assert parse_qs(link_query) == query
            assert anchor in about_page["anchors"], anchor


def test_the_overview_tiles_link_to_their_own_measures(sample_db, app_for) -> None:
    at = app_for(sample_db)
    at.run()
    by_label = {m.label: HELP_LINK.findall(m.proto.help) for m in at.metric}
    # Live caseload is caseload's; the deferral rate is deferrals'.
    assert [(path, anchor) for path, _, anchor in by_label["Live caseload"]] == [
        ("about", "caseload")
    ]
    assert [(path, anchor) for path, _, anchor in by_label["Deferral rate"]] == [
        ("about", "deferrals")
    ]


def test_a_tiles_own_words_stay_text_before_the_link(sample_db, app_for) -> None:
    # A link to the sample's latest 12 months: the extract is dated 2026-10-31.
    at = app_for(sample_db, {"from": "2025-11", "to": "2026-10", "benefit": ["ESA", "UC"]})
    _open(at, "pages/deferrals.py")
    (help,) = [m.proto.help for m in at.metric if m.label == "Deferral rate"]
    words, link = help.rsplit("\n\n", 1)
    assert live_markup(words) == []
    assert as_shown(words).endswith("interviews due.")
    assert (
        link
        == "[About these figures](about?from=2025-11&to=2026-10&benefit=ESA&benefit=UC#deferrals)"
    )


# ---- extract text is text ------------------------------------------------------------------


def test_the_extracts_own_words_are_shown_as_text(tmp_path, app_for) -> None:
    db = tmp_path / "hostile.duckdb"
    load(write_extract(tmp_path / "extract", valid_tables(), source=HOSTILE_SOURCE), db)
    at = _open(app_for(db), ABOUT.file)
    shown = [c.value for c in at.caption if HOSTILE_SOURCE in as_shown(c.value)]
    assert len(shown) == 1, [as_shown(c.value) for c in at.caption]
    assert as_shown(shown[0]) == f"Source: {HOSTILE_SOURCE}"
    assert live_markup(shown[0]) == []


def test_what_the_load_rejected_is_a_table_of_text(tmp_path, app_for) -> None:
    # One claim whose office is not in offices.csv breaks the contract's office rule.
    from extracts import claim

    tables = valid_tables()
    tables["claims"].append(claim("C-orphan", "[x](http://evil.example)"))
    db = tmp_path / "rejects.duckdb"
    report = load(write_extract(tmp_path / "extract", tables), db)
    assert report.total_rejected >= 1
    at = _open(app_for(db), ABOUT.file)
    assert {m.label: m.value for m in at.metric}["Rows rejected"] == f"{report.total_rejected:,}"
    frames = [f.value for f in at.dataframe]
    rejects = [f for f in frames if "rows_rejected" in getattr(f, "data", f).columns]
    assert rejects, "no table of rejects"
    data = getattr(rejects[0], "data", rejects[0])
    assert data["rows_rejected"].sum() == report.total_rejected


# ---- the accessibility statement -----------------------------------------------------------


def test_the_statement_has_the_gov_uk_sections(sample_db, app_for) -> None:
    at = _open(app_for(sample_db), STATEMENT.file)
    assert [t.value for t in at.title] == ["Accessibility statement"]
    headings = [h.value for h in _headings(at)]
    # In the sample statement's order (headers and subheaders are listed apart by AppTest).
    assert sorted(headings) == sorted(STATEMENT_HEADINGS)
    body = "\n".join(_markdown(at))
    assert "WCAG22" in body and "Equality and Human Rights Commission" in body
    assert "This statement was prepared on 28 November 2026." in body


def test_the_statement_shows_every_known_issue_from_the_doc(sample_db, app_for) -> None:
    doc = (ROOT / "docs" / "accessibility.md").read_text(encoding="utf-8")
    section = doc.split("\n## Known issues\n", 1)[1].split("\n## ", 1)[0]
    bullets = [line for line in section.splitlines() if line.startswith("- ")]
    assert bullets, "docs/accessibility.md lists no known issue"
    at = _open(app_for(sample_db), STATEMENT.file)
    body = "\n".join(_markdown(at))
    for bullet in bullets:
        assert bullet in body


def test_the_statement_gives_the_configured_contact_as_text(sample_db, app_for) -> None:
    contact = "[help](http://evil.example) or ring 0800 000 000"
    at = _open(app_for(sample_db, settings=f'[app]\ncontact = "{contact}"\n'), STATEMENT.file)
    showing = [m for m in _markdown(at) if contact in as_shown(m)]
    assert len(showing) == 2  # under feedback, and under reporting problems
    for body in showing:
        # The page's own link to the enforcement body is elsewhere; these hold only text.
        assert live_markup(body) == []


def test_the_statement_says_so_when_no_contact_is_set(sample_db, app_for) -> None:
    at = _open(app_for(sample_db), STATEMENT.file)
    assert any("no contact is set" in m for m in _markdown(at))


def test_the_docs_facts_are_required(tmp_path) -> None:
    doc = tmp_path / "accessibility.md"
    doc.write_text("# A\n\nStatement prepared: 2026-01-02\nLast reviewed: 2026-02-03\n")
    with pytest.raises(StatementError, match="no '## Known issues' section"):
        read_facts(doc)
    doc.write_text(doc.read_text() + "\n## Known issues\n\n## Next\n")
    with pytest.raises(StatementError, match="section is empty"):
        read_facts(doc)
    doc.write_text(doc.read_text().replace("## Known issues\n", "## Known issues\n- one\n"))
    facts = read_facts(doc)
    assert (facts.known_issues, facts.prepared.isoformat(), facts.reviewed.isoformat()) == (
        "- one",
        "2026-01-02",
        "2026-02-03",
    )


# ---- the contact setting -------------------------------------------------------------------


def test_contact_setting(tmp_path) -> None:
    path = tmp_path / "jcp.toml"
    path.write_text("[app]\ncontact = ' jcp-help@example.gov.uk '\n", encoding="utf-8")
    assert load_settings(path).contact == "jcp-help@example.gov.uk"
    path.write_text("[audit]\nlog = 'x'\n", encoding="utf-8")
    assert load_settings(path).contact is None
    for bad in ("contact = ''", "contact = 3", 'contact = "a\\nb"', f'contact = "{"x" * 201}"'):
        path.write_text(f"[app]\n{bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=r"\[app\] contact must be one line of text"):
            load_settings(path)
