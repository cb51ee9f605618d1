"""Fixtures of every browser test: Chromium, and a fake receiver for what the product sends out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.fake_receiver import FakeReceiver, running_receiver
from tests.running import launch_chromium


@pytest.fixture
def browser() -> Iterator[Browser]:
    """A Chromium of the test's own, so no page of an earlier test is still connected."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[FakeReceiver]:
    with running_receiver() as fake:
        yield fake
