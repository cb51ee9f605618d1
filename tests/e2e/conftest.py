"""Fixtures of every browser test: Chromium, and a fake receiver for what the product sends out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.fake_receiver import FakeReceiver, running_receiver
from tests.running import launch_chromium


class Chromium:
    """One Chromium for a test module (a launch costs a second or more on a loaded machine).

    Launched again if it has gone, so a crash fails one test, not every later one. Not one for the
    session: while Playwright runs, its event loop counts as running in this thread, and Django then
    refuses the database to the plain tests that follow (SynchronousOnlyOperation).
    """

    def __init__(self, playwright: Playwright) -> None:
        self.playwright = playwright
        self.browser: Browser | None = None

    def get(self) -> Browser:
        if self.browser is None or not self.browser.is_connected():
            self.browser = launch_chromium(self.playwright)
        return self.browser


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    with sync_playwright() as playwright:
        chromium = Chromium(playwright)
        yield chromium
        if chromium.browser is not None:
            chromium.browser.close()


@pytest.fixture
def browser(chromium: Chromium) -> Iterator[Browser]:
    """Chromium for one test: its pages are in contexts of their own, all closed when it ends.

    So no page of an earlier test is still connected (an agent online, a socket open), and none shares
    cookies or storage with another test's.
    """
    browser = chromium.get()
    assert not browser.contexts, "an earlier test left pages open"
    yield browser
    if browser.is_connected():
        for context in browser.contexts:
            context.close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[FakeReceiver]:
    with running_receiver() as fake:
        yield fake
