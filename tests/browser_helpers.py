"""What the Chromium tests share: where Chromium and the artifacts are, waiting for a script
run to finish, the sidebar's "Seeing:" caption and signing in through the demo picker."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def wait_for_run(page: Page, timeout: float = 60_000) -> None:
    """Until the app's script run is over (whatever the page draws)."""
    # Streamlit shows a running indicator while a script run is in progress, but only after a
    # moment; the app's root element says at once whether a run is under way.
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
            && document.querySelector('[data-testid="stApp"]')
                ?.getAttribute('data-test-script-state') === 'notRunning'""",
        timeout=timeout,
    )


def wait_for_app(page: Page) -> None:
    """Until a page with figures (a metric tile) has finished its script run."""
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=60_000)
    wait_for_run(page)


def seeing(page: Page):
    """The sidebar's caption naming the data's date and whose scope is shown."""
    return page.locator('[data-testid="stSidebar"] [data-testid="stCaptionContainer"]').filter(
        has_text="Seeing:"
    )


def seeing_text(page: Page) -> str:
    # plain_text puts invisible word joiners after colons (no markdown): not what a reader sees.
    return seeing(page).inner_text().replace("\u2060", "")


def sign_in_as(page: Page, email: str) -> None:
    """Choose `email` in the sidebar's "Demo user" picker as a person does: open the picker, type
    part of the address, click the one option left. Returns once the app has rerun as them (the
    "Seeing:" caption has changed, so choose someone other than the current user)."""
    wait_for_app(page)  # a rerun still drawing can swallow the click or the keys
    before = seeing(page).inner_text()
    picker = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
        has_text="Demo user"
    )
    picker.click()
    expect(page.get_by_role("option").first).to_be_visible()  # the list is open: type into it
    # Into the picker's own text box, not wherever the focus is (after following a link the
    # page can still hold it elsewhere).
    picker.locator("input").press_sequentially(email.split("@")[0])
    option = page.get_by_role("option")
    expect(option).to_have_count(1)
    expect(option).to_have_text(re.compile(rf"^{re.escape(email)} \("))
    option.click()
    # A choice the server drops (a widget id it does not know) reruns as the first user: the
    # caption would keep its text and this times out.
    expect(seeing(page)).not_to_have_text(before, timeout=30_000)
    wait_for_app(page)
