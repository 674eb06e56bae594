"""The real app on localhost in headless Chromium: search a picker, filter, share a link, a long
chart, worklist, download, markup in a link shown as text, signing in as a demo user through the
picker, and the first session after the server starts.

Screenshots of each page go to tests/artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import urlencode, urlparse

import pytest
from browser_helpers import ARTIFACTS, CHROMIUM, ROOT
from browser_helpers import seeing as _seeing
from browser_helpers import seeing_text as _seeing_text
from browser_helpers import sign_in_as as _sign_in_as
from browser_helpers import wait_for_app as _wait_for_app
from playwright.sync_api import Browser, Locator, Page, Request, expect, sync_playwright

from jcp.bench import CHROMIUM_ARGS, running_app
from jcp.measures.access import Scope
from jcp.measures.filters import Filters
from jcp.measures.runner import default_period


@pytest.fixture(scope="module")
def app_url(sample_db):
    """The app as `make run` starts it, on a free localhost port against the sample database."""
    with running_app(sample_db) as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser: Browser, app_url):
    """A headless Chromium page; each test opens the address it needs."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    yield context.new_page()
    context.close()


def _tile(page: Page, label: str):
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]')


def _scroll_to_top(element: Locator) -> None:
    """Scroll Streamlit's main area (its own scroll container, not the window) so that `element`
    is near the top of the view, clear of the app's fixed header."""
    element.evaluate(
        """element => {
            element.scrollIntoView({block: 'start'});
            let box = element.parentElement;
            const scrolls = (e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowY);
            while (box && !(scrolls(box) && box.scrollHeight > box.clientHeight)) {
                box = box.parentElement;
            }
            (box || document.scrollingElement).scrollBy(0, -100);
        }"""
    )


def test_filter_share_worklist_and_download(page: Page, app_url, sample_runner) -> None:
    first, last = default_period(sample_runner.extract_date)
    district = sample_runner.catalogue.districts[0]
    district_name = sample_runner.catalogue.district_names[district]
    district_label = f"{district_name} ({district})"

    page.goto(app_url)
    _wait_for_app(page)
    before = _tile(page, "Live caseload").inner_text()
    page.screenshot(path=ARTIFACTS / "overview.png", full_page=True)

    # Find a district in the sidebar's District filter by typing part of its name.
    sidebar = page.locator('[data-testid="stSidebar"]')
    pickers = sidebar.locator('[data-testid="stMultiSelect"]')
    pickers.first.click()
    page.keyboard.type(district_name.split()[-1][:5].lower())
    expect(page.get_by_role("option")).to_have_text([district_label])
    page.get_by_role("option", name=district_label).click()
    page.keyboard.press("Escape")
    expect(_tile(page, "Live caseload")).not_to_have_text(before, timeout=30_000)
    _wait_for_app(page)
    expected = sample_runner.run(
        Filters(first, last, districts=(district,)).request("caseload"), Scope.national()
    )
    assert _tile(page, "Live caseload").inner_text() == f"{expected['live_claims'][0]:,}"
    assert f"district={district}" in page.url
    page.screenshot(path=ARTIFACTS / "overview_district.png", full_page=True)

    # An office is found by its code as well as by its name.
    office = sorted(
        o for o, d in sample_runner.catalogue.office_districts.items() if d == district
    )[2]
    office_label = f"{sample_runner.catalogue.office_names[office]} ({office})"
    pickers.nth(1).click()
    page.keyboard.type(office)
    expect(page.get_by_role("option")).to_have_text([office_label])
    page.keyboard.press("Escape")

    # Open the deferrals page from a link carrying the filter.
    query = page.url.split("?", 1)[1]
    page.goto(f"{app_url}/deferrals?{query}")
    _wait_for_app(page)
    expect(page.get_by_role("heading", name="Overdue deferred interviews")).to_be_visible()
    expect(sidebar.get_by_text(district_label)).to_be_visible()
    # The caption names the district, its code beside it.
    described = f"districts {sample_runner.catalogue.district_names[district]} ({district})"
    expect(page.get_by_text(described).first).to_be_visible()
    assert page.locator('[data-testid="stDataFrame"]').count() >= 2
    page.screenshot(path=ARTIFACTS / "deferrals.png", full_page=True)

    # By office, the sample's 53 offices are too many bars: the highest and lowest are drawn,
    # with the chosen district's offices, and a caption says so.
    page.locator('[data-testid="stRadio"]').get_by_text("Office", exact=True).click()
    expect(
        page.get_by_text("Showing the 10 highest and 10 lowest of the 53 offices").first
    ).to_be_visible(timeout=30_000)
    _wait_for_app(page)
    page.screenshot(path=ARTIFACTS / "deferrals_by_office.png", full_page=True)

    overdue = sample_runner.run(
        Filters(first, last, districts=(district,)).request("overdue_deferrals"), Scope.national()
    )
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV: Overdue deferred interviews").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8")
    lines = text.splitlines()
    header = [line for line in lines if line.startswith("#")]
    assert header[0].startswith("# Overdue deferred interviews.")
    assert described in header[0] and "Data as at 2026-10-31" in header[0]
    assert header[1] == "# Operational list: not a statistic."
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[len(header) :]))))
    assert len(rows) == overdue.height > 0
    assert [r["claim_id"] for r in rows] == overdue["claim_id"].to_list()
    assert {sample_runner.catalogue.office_districts[r["office_code"]] for r in rows} == {district}


@pytest.mark.parametrize(
    "path", ["distance_travelled", "job_entries", "fsf", "my_office", "survival", "data"]
)
def test_other_pages_render(page: Page, app_url, path) -> None:
    page.goto(f"{app_url}/{path}")
    _wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=ARTIFACTS / f"{path}.png", full_page=True)


LINK = "[Your session expired - sign in again](http://evil.example/login)"
PIXEL = "![p](http://evil.example/pixel.png)"


def test_markup_in_a_link_is_shown_as_text_and_fetches_nothing(page: Page, app_url) -> None:
    requests: list[str] = []

    def record(request: Request) -> None:
        requests.append(request.url)

    page.on("request", record)
    try:
        page.goto(f"{app_url}/?{urlencode([('office', LINK), ('office', PIXEL)])}")
        _wait_for_app(page)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=ARTIFACTS / "markup_in_link.png", full_page=True)
        links = page.locator('a[href*="evil.example"]').count()
        images = page.locator("img").evaluate_all("els => els.map(e => e.src)")
        # What the reader sees in the warnings (the invisible word joiners left out).
        notices = [
            text.replace("\u2060", "")
            for text in page.locator('[data-testid="stAlert"]').all_inner_texts()
        ]
    finally:
        page.remove_listener("request", record)
    assert links == 0
    assert [src for src in images if urlparse(src).hostname not in (None, "127.0.0.1")] == []
    network = [url for url in requests if urlparse(url).scheme in ("http", "https", "ws", "wss")]
    assert network and [url for url in network if urlparse(url).hostname != "127.0.0.1"] == []
    for payload in (LINK, PIXEL):
        assert f"Ignored office '{payload}' from the link: it is not in this data." in notices


# By hand from sample_data/access.toml (manager.d02: district D02; leader.d02-o03: office
# D02-O03), the scope labels of jcp/measures/access.py and the league headings of
# jcp/web/headlines.py. A manager's figures are their district's, a team leader's their office's:
# the same figures as a national user's filtered to that district or office.
DEMO_USERS = [
    pytest.param(
        "manager.d02@example.gov.uk",
        "district manager: D02",
        "Offices compared",
        {"districts": ("D02",)},
        id="manager",
    ),
    pytest.param(
        "leader.d02-o03@example.gov.uk",
        "team leader: D02-O03",
        "Your offices compared",
        {"offices": ("D02-O03",)},
        id="leader",
    ),
]


@pytest.mark.parametrize("email, seeing, league, their_place", DEMO_USERS)
def test_a_demo_user_chosen_in_the_picker_sees_their_scope(
    page: Page, app_url, sample_runner, request, email, seeing, league, their_place
) -> None:
    role = request.node.callspec.id
    first, last = default_period(sample_runner.extract_date)
    page.goto(app_url)
    _wait_for_app(page)
    assert _seeing_text(page).endswith("Seeing: national.")
    expect(page.get_by_role("heading", name="Districts compared", exact=True)).to_be_visible()

    _sign_in_as(page, email)
    assert _seeing_text(page).endswith(f"Seeing: {seeing}.")
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_role("combobox", name="Demo user")).to_have_value(f"{email} ({seeing})")
    expect(page.get_by_role("heading", name=league, exact=True)).to_be_visible()
    expected = sample_runner.run(
        Filters(first, last, **their_place).request("caseload"), Scope.national()
    )
    assert _tile(page, "Live caseload").inner_text() == f"{expected['live_claims'][0]:,}"
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=ARTIFACTS / f"overview_{role}.png", full_page=True)

    # To the job entries page by its menu link: a new address would be a new session, signed
    # in as the first user again.
    sidebar.get_by_role("link", name="Sustained job entries").click()
    expect(page.get_by_role("heading", name="Sustained job entries")).to_be_visible()
    _wait_for_app(page)
    page.locator('[data-testid="stRadio"]').first.get_by_text("Office", exact=True).click()
    funnel = page.get_by_text("13-week sustained rate: offices against the national rate")
    expect(funnel).to_be_visible(timeout=30_000)
    _wait_for_app(page)
    assert _seeing_text(page).endswith(f"Seeing: {seeing}.")
    assert page.locator('[data-testid="stException"]').count() == 0
    _scroll_to_top(funnel)
    page.screenshot(path=ARTIFACTS / f"funnel_{role}.png")


def test_the_first_session_after_a_start_has_the_frame_and_its_picker_works(
    browser: Browser, sample_db
) -> None:
    # A server of its own, so that this is its first session whatever ran before; opened at a
    # page's link, the way a bookmark or a shared link opens it.
    with running_app(sample_db) as (url, _):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        try:
            page.goto(f"{url}/job_entries")
            heading = page.get_by_role("heading", name="Sustained job entries")
            expect(heading).to_be_visible(timeout=60_000)
            # The frame ran too: signed in (as the first demo user), its filters, its menu.
            expect(_seeing(page)).to_have_text(re.compile(r"Seeing: national\.$"), timeout=60_000)
            _wait_for_app(page)
            sidebar = page.locator('[data-testid="stSidebar"]')
            expect(sidebar.get_by_role("link", name="Overview")).to_be_visible()
            _sign_in_as(page, "manager.d02@example.gov.uk")
            assert _seeing_text(page).endswith("Seeing: district manager: D02.")
            expect(heading).to_be_visible()
        finally:
            context.close()


@pytest.mark.parametrize(
    "email", ["manager.d01@example.gov.uk", "leader.d01-o10@example.gov.uk"], ids=["dm", "tl"]
)
def test_attention_page_for_a_manager_and_a_team_leader(
    page: Page, app_url, sample_runner, email
) -> None:
    """A manager's and a team leader's Needs attention, and its first item's link followed: the
    page it names opens on the office the item is about."""
    from jcp.config import Settings
    from jcp.measures.access import read_access
    from jcp.measures.attention import attention
    from jcp.measures.filters import default_filters

    access = read_access(ROOT / "sample_data" / "access.toml", sample_runner.catalogue)
    scope = access.scope_for(email, sample_runner.catalogue)
    found = attention(sample_runner, default_filters(sample_runner.catalogue), scope, Settings())
    assert found.concerns, "the sample gives this user something to look at"
    first = found.concerns[0]

    page.goto(app_url)
    _wait_for_app(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    _sign_in_as(page, email)
    sidebar.get_by_role("link", name="Needs attention").click()
    expect(page.get_by_role("heading", name="Needs attention")).to_be_visible(timeout=30_000)
    _wait_for_app(page)
    # The sentences read as written: no Markdown escapes showing (the invisible word joiners
    # that keep ":" from starting a shortcode left out).
    shown = page.locator('[data-testid="stMarkdown"]').all_inner_texts()
    assert [t for t in shown if f"1. {first.text}" in t.replace("\u2060", "")]
    links = page.locator('[data-testid="stPageLink"]')
    expect(links.first).to_contain_text(f"Open {first.entry.title}")
    page.screenshot(path=ARTIFACTS / f"attention_{email.split('@')[0]}.png", full_page=True)
    links.first.locator("a").first.click()
    expect(page.get_by_role("heading", name=first.entry.heading)).to_be_visible(timeout=30_000)
    _wait_for_app(page)
    for key, values in first.query_params.items():
        for value in values:
            assert f"{key}={value}" in page.url
    office = first.query_params.get("office")
    if office:
        label = f"{sample_runner.catalogue.office_names[office[0]]} ({office[0]})"
        expect(sidebar.get_by_text(label)).to_be_visible()


def test_spreadsheet_downloads_hold_every_table_of_the_page(page: Page, app_url) -> None:
    """A click on the page's .xlsx and .ods buttons: the server builds each workbook then (on a
    thread of its own), with a sheet for every table the page offers as CSV, in its order."""
    import openpyxl
    from test_spreadsheet import read_ods

    page.goto(app_url)
    # The tables come after the tiles: wait for the last one's buttons, then for the run's end.
    expect(
        page.locator("button").filter(has_text="Download CSV: Main rates by month")
    ).to_be_visible(timeout=60_000)
    _wait_for_app(page)
    labels = page.get_by_role("button").all_inner_texts()
    titles = [
        text.removeprefix("Download CSV: ") for text in labels if text.startswith("Download CSV: ")
    ]
    assert len(titles) >= 2
    page.screenshot(path=ARTIFACTS / "overview_downloads.png", full_page=True)
    tables = [f"Table_{n}" for n in range(1, len(titles) + 1)]
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download spreadsheet (.xlsx)").first.click()
    assert download_info.value.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert book.sheetnames == ["Cover", "Contents", "Notes", *tables]
    assert [book[name]["A1"].value.split(" [note")[0] for name in tables] == titles
    _wait_for_app(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download spreadsheet (.ods)").last.click()
    sheets = read_ods(Path(download_info.value.path()).read_bytes())
    assert list(sheets) == ["Cover", "Contents", "Notes", *tables]
    assert [sheets[name][0][0][1].split(" [note")[0] for name in tables] == titles
