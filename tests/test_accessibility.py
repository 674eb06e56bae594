"""WCAG 2.2 AA in a real browser: axe-core on every page, for each role, with a filter applied;
and the sidebar's filters worked with the keyboard alone.

axe-core (npm, pinned in tests/accessibility/package.json; `make test` installs it) is injected
into each page once Streamlit has finished drawing it, charts included. A serious or critical
violation fails the page; every violation, of any impact, is written to
tests/artifacts/axe-report.json, and each page's screenshot, full length, to
tests/artifacts/a11y_<page>_<role>.png, for a person to look at (docs/accessibility.md says what
stands and why).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser_helpers import (
    ARTIFACTS,
    CHROMIUM,
    ROOT,
    seeing_text,
    sign_in_as,
    wait_for_app,
    wait_for_run,
)
from playwright.sync_api import Browser, Page, expect, sync_playwright
from test_theme import TEXT, contrast

from jcp.bench import CHROMIUM_ARGS, running_app
from jcp.measures.access import Scope
from jcp.measures.filters import Filters
from jcp.measures.runner import default_period
from jcp.web.pages import PAGES, PageEntry

AXE = ROOT / "tests" / "accessibility" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA: what the Public Sector Bodies Accessibility
# Regulations ask. (axe-core tags each rule with the version and level it comes from.)
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")
REPORT = ARTIFACTS / "axe-report.json"

# Demo users from sample_data/access.toml, and the "Seeing:" caption each is shown (the first
# user, the national analyst, is who a new session is signed in as).
ROLES = {
    "national": (None, "national"),
    "manager": ("manager.d02@example.gov.uk", "district manager: D02"),
    "leader": ("leader.d02-o03@example.gov.uk", "team leader: D02-O03"),
}
# A filter every page applies, in the URL as a shared link carries it (jcp.measures.filters):
# Universal Credit claims only.
BENEFITS = ("UC",)
FILTER_QUERY = "benefit=UC"
FILTER_SHOWN = "Universal Credit (UC)"


@pytest.fixture(scope="module")
def app_url(sample_db):
    """The app as `make run` starts it, on a free localhost port against the sample database."""
    with running_app(sample_db) as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium."""
    assert AXE.exists(), f"{AXE} is missing: `make axe` (or `make test`) installs it"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def signed_in(browser: Browser, app_url):
    """A page per role, signed in once and kept for every page visited as that role (a new
    address would be a new session, signed in as the first user again): the pages are reached
    through the sidebar's menu, as a person moves between them."""
    pages: dict[str, Page] = {}
    contexts = []

    def page_for(role: str) -> Page:
        if role not in pages:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            contexts.append(context)
            page = context.new_page()
            page.goto(f"{app_url}/?{FILTER_QUERY}")
            wait_for_app(page)
            email, _ = ROLES[role]
            if email:
                sign_in_as(page, email)
            pages[role] = page
        return pages[role]

    yield page_for
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def report():
    """Every violation found (and what axe-core left for a person to review), by page and
    role; written to tests/artifacts/axe-report.json."""
    found: dict[str, object] = {}
    yield found
    REPORT.write_text(json.dumps(found, indent=1, sort_keys=True), encoding="utf-8")


def _wait_for_charts(page: Page) -> None:
    """Until every chart on the page is drawn. Streamlit draws a chart only once it is scrolled
    near the view: each one still waiting is scrolled into view in turn. (A chart with no box,
    such as one in a closed part of the page, is never drawn and is not waited for.)"""
    page.wait_for_function(
        """() => {
            const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
            const waiting = charts.filter(c => c.getClientRects().length
                && !c.querySelector('svg, canvas'));
            if (waiting.length) waiting[0].scrollIntoView({block: 'center'});
            return waiting.length === 0;
        }""",
        polling=250,
        timeout=60_000,
    )


def _open(page: Page, entry: PageEntry) -> None:
    """Open the page from the sidebar's menu and wait until it has finished drawing."""
    page.locator('[data-testid="stSidebar"]').get_by_role(
        "link", name=entry.title, exact=True
    ).click()
    expect(page.get_by_role("heading", name=entry.heading, exact=True).first).to_be_visible(
        timeout=60_000
    )
    wait_for_run(page)
    _wait_for_charts(page)
    wait_for_run(page)


def _screenshot(page: Page, path: Path) -> None:
    """The whole page: Streamlit scrolls its main area inside the window, so the window is made
    as tall as that area's content for the picture, then put back."""
    height = page.evaluate(
        """() => Math.max(...[...document.querySelectorAll('*')]
            .filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowY))
            .map(e => e.scrollHeight), document.body.scrollHeight)"""
    )
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 100, 16_000)})
    _wait_for_charts(page)
    page.screenshot(path=path)
    page.set_viewport_size(size)


def _axe(page: Page) -> tuple[list[dict], list[dict]]:
    """axe-core's violations of WCAG 2.2 AA on the page as it stands, and what it could not
    decide (left for a person: "needs review", rule and count only)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=AXE)
    results = page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: 'tag', values: tags}, resultTypes: ["violations", "incomplete"]})""",
        WCAG_AA,
    )
    violations = [
        {
            "id": rule["id"],
            "impact": rule["impact"],
            "help": rule["help"],
            "helpUrl": rule["helpUrl"],
            "nodes": [
                {
                    "target": node["target"],
                    "html": node["html"],
                    "failureSummary": node.get("failureSummary"),
                }
                for node in rule["nodes"]
            ],
        }
        for rule in results["violations"]
    ]
    undecided = [
        {"id": rule["id"], "help": rule["help"], "nodes": len(rule["nodes"])}
        for rule in results["incomplete"]
    ]
    return violations, undecided


def _check(page: Page) -> tuple[list[dict], list[dict]]:
    """The charts drawn have words for a screen reader, and axe-core's violations."""
    # charts.described gives every chart the page's sentences or its builder's own; Streamlit's
    # stand-in name would mean a chart drawn without them.
    names = page.locator('[data-testid="stVegaLiteChart"]').evaluate_all(
        """charts => charts.filter(c => c.querySelector('svg, canvas'))
            .map(c => c.getAttribute('aria-label') || '')"""
    )
    assert [n for n in names if n in ("", "Vega visualization")] == [], names
    # axe-core does not judge text inside a chart's SVG: the axes', legends' and titles' text
    # colours as drawn (charts.readable), against the page's background.
    inks = page.locator('[data-testid="stVegaLiteChart"] svg text').evaluate_all(
        """texts => [...new Set(texts
            .filter(t => t.closest('.role-axis, .role-legend, .role-title'))
            .map(t => t.getAttribute('fill')))]"""
    )
    background = page.locator('[data-testid="stApp"]').evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert background == "rgb(255, 255, 255)", background  # the theme's #ffffff
    assert inks or not names  # a chart drawn has axis text to judge
    assert [ink for ink in inks if contrast(ink, "#ffffff") < TEXT] == [], inks
    return _axe(page)


def _described(violations: list[dict]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}; "
        + ", ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:5])
        for v in violations
    )


VISITS = [
    pytest.param(role, entry, id=f"{role}-{entry.url_path}") for role in ROLES for entry in PAGES
]


@pytest.mark.parametrize(("role", "entry"), VISITS)
def test_no_serious_or_critical_violation(signed_in, report, role, entry: PageEntry) -> None:
    page = signed_in(role)
    _open(page, entry)
    # The view is the one meant: this role's scope, the filter still applied, nothing broken.
    assert seeing_text(page).endswith(f"Seeing: {ROLES[role][1]}.")
    assert FILTER_QUERY in page.url
    expect(page.locator('[data-testid="stSidebar"]').get_by_text(FILTER_SHOWN)).to_be_visible()
    assert page.locator('[data-testid="stException"]').all_inner_texts() == []
    violations, undecided = _check(page)
    _screenshot(page, ARTIFACTS / f"a11y_{entry.url_path}_{role}.png")
    # A page in tabs shows one at a time (the others are not drawn): each is opened and checked.
    tabs = page.locator('[data-testid="stMain"]').get_by_role("tab")
    for index in range(1, tabs.count()):
        tabs.nth(index).click()
        expect(tabs.nth(index)).to_have_attribute("aria-selected", "true")
        wait_for_run(page)
        _wait_for_charts(page)
        more, also_undecided = _check(page)
        violations += more
        undecided += also_undecided
        _screenshot(page, ARTIFACTS / f"a11y_{entry.url_path}_{role}_tab{index + 1}.png")
    report[f"{entry.url_path}/{role}"] = {"violations": violations, "needs_review": undecided}
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{entry.title} as {role}:\n{_described(blocking)}"


def _focused(page: Page) -> dict:
    """What has the keyboard's focus: its accessible name (aria-label or text) and role."""
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            return {name: e.getAttribute('aria-label') || e.innerText || '',
                    role: e.getAttribute('role') || e.tagName.toLowerCase(),
                    sidebar: !!e.closest('[data-testid="stSidebar"]')};
        }"""
    )


def test_the_filters_are_reached_and_changed_with_the_keyboard_alone(
    browser: Browser, app_url, sample_runner
) -> None:
    """Tab from the top of the page through the sidebar to the claimant group filter, open it
    with the arrow key and choose with Enter: the URL and the figures follow. Every filter has a
    focus ring to see where the keyboard is."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?{FILTER_QUERY}")
        wait_for_app(page)
        tile = (
            page.locator('[data-testid="stMetric"]')
            .filter(has_text="Live caseload")
            .first.locator('[data-testid="stMetricValue"]')
        )
        before = tile.inner_text()
        # Tab from the start of the document, noting each sidebar control reached, until the
        # claimant group filter has the focus.
        page.locator("body").focus()
        order: list[str] = []
        for _ in range(80):
            page.keyboard.press("Tab")
            focused = _focused(page)
            if focused["sidebar"] and focused["role"] == "combobox":
                order.append(focused["name"])
                control = (
                    page.locator('[data-testid="stSidebar"]')
                    .get_by_role("combobox", name=focused["name"], exact=True)
                    .locator(
                        "xpath=ancestor::*[@data-testid='stSelectbox' or "
                        "@data-testid='stMultiSelect'][1]"
                    )
                )
                _assert_focus_is_visible(page, control)
            if focused["name"] == "Claimant group":
                break
        # The sidebar's order on screen: who you are, then the filters top to bottom.
        assert order == [
            "Demo user",
            "District",
            "Office",
            "From month",
            "To month",
            "Benefit",
            "Claimant group",
        ]
        # The arrow key opens the list on its first option, "Select all"; the next is the first
        # group (jcp.extract.contract's order).
        page.keyboard.press("ArrowDown")
        highlighted = page.locator('[role="option"][data-focused="true"]')
        expect(highlighted).to_have_text("Select all")
        page.keyboard.press("ArrowDown")
        expect(highlighted).to_have_text("Jobseeker")
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        expect(tile).not_to_have_text(before, timeout=30_000)
        wait_for_app(page)
        assert "group=jobseeker" in page.url and FILTER_QUERY in page.url
        first, last = default_period(sample_runner.extract_date)
        expected = sample_runner.run(
            Filters(first, last, benefits=BENEFITS, groups=("jobseeker",)).request("caseload"),
            Scope.national(),
        )
        assert tile.inner_text() == f"{expected['live_claims'][0]:,}"
    finally:
        context.close()


def _assert_focus_is_visible(page: Page, control) -> None:
    """The focused control looks different from the same control without the focus (WCAG
    2.4.7): its picture with and without the focus differ."""
    focused = control.screenshot()
    page.evaluate("() => document.activeElement.blur()")
    blurred = control.screenshot()
    control.locator("input").focus()
    changed = focused != blurred
    assert changed, f"no visible focus on {control.inner_text()!r}"
