"""Fixtures of every browser test: Chromium, and a fake receiver for what the product sends out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.fake_receiver import FakeReceiver, running_receiver
from tests.running import launch_chromium


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One Chromium for the whole session: launching one costs a second or more on a loaded machine."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def browser(chromium: Browser) -> Iterator[Browser]:
    """Chromium for one test: its pages are in contexts of their own, all closed when it ends.

    So no page of an earlier test is still connected (an agent online, a socket open), and none shares
    cookies or storage with another test's.
    """
    assert not chromium.contexts, "an earlier test left pages open"
    yield chromium
    for context in chromium.contexts:
        context.close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[FakeReceiver]:
    with running_receiver() as fake:
        yield fake
