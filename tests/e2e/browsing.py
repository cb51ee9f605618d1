"""What the browser tests share: the product served with a set-up script or the demo, signing in, live pages."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from frontdesk.channels.api.adapter import sign
from frontdesk.demo import DEMO_AGENT_EMAIL, DEMO_PASSWORD
from tests.factories import PASSWORD
from tests.fake_receiver import FakeReceiver
from tests.running import (
    STARTUP_SECONDS,
    free_port,
    frontdesk,
    is_healthy,
    product_env,
    serving,
    set_up_product,
    wait_for,
)


@contextmanager
def serving_product(
    var_dir: Path, script: str, *args: str, env: Mapping[str, str] | None = None, port: int | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The product set up by ``script`` (see ``set_up_product``) and served; yields its base URL and the fixture."""
    with product_env(var_dir, migrated=True) as environment:
        environment = environment | {"DJANGO_SETTINGS_MODULE": "frontdesk.settings"} | dict(env or {})
        fixture = set_up_product(environment, script, *args)
        with serving(environment, var_dir, port) as base:
            yield base, fixture


def calling_out_to(receiver: FakeReceiver) -> dict[str, str]:
    """The environment that lets the product deliver to ``receiver`` promptly."""
    return {"FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS": receiver.host_port, "FRONTDESK_SCHEDULER_TICK": "0.5"}


def serve_demo(env: dict[str, str]) -> Iterator[str]:
    """``frontdesk run`` on the seeded demo, as `make run` starts it; yields the base URL, then checks a clean exit."""
    frontdesk("migrate", "--no-input", env=env)
    seeded = frontdesk("seed-demo", "--if-empty", env=env)
    assert DEMO_AGENT_EMAIL in seeded.stdout, "seed-demo prints how to sign in"
    port = free_port()
    # To a file, not a pipe: nobody reads a pipe while the tests run, and a full one would stall the server.
    log = Path(env["FRONTDESK_VAR_DIR"]) / "run.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "frontdesk.cli", "run", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(partial(is_healthy, base), STARTUP_SECONDS, "frontdesk run to serve")
    except AssertionError:
        process.kill()
        process.wait()
        pytest.fail(f"frontdesk run did not serve within {STARTUP_SECONDS} s:\n{log.read_text()}")
    yield base
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    assert process.returncode == 0, log.read_text()[-5000:]


def sign_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign in on the login page and land on the inbox (every set-up script's user has the factories' password)."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/inbox/")


def sign_in_to_demo(page: Page, base: str, email: str = DEMO_AGENT_EMAIL) -> None:
    sign_in(page, base, email, DEMO_PASSWORD)


def signed_in(
    browser: Browser, base: str, email: str, width: int = 1280, height: int = 720, bypass_csp: bool = False
) -> Page:
    """A new browser context of this size, signed in as ``email``, on the inbox.

    Only axe tests bypass the CSP: they inject axe-core, which the product's policy rightly refuses.
    """
    page = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=bypass_csp).new_page()
    sign_in(page, base, email)
    return page


def live(page: Page, url: str | None = None) -> Page:
    """Open ``url`` (or stay) and wait until the page's agent socket is connected."""
    if url:
        page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-live", "connected", timeout=10_000)
    return page


def choose_language(page: Page, base: str, language: str) -> None:
    page.goto(f"{base}/settings/profile/")
    page.select_option("select[name=language]", language)
    page.click("form.stacked button[type=submit]")


def post_webhook(base: str, hook: str, secret: str, events: list[dict[str, Any]]) -> httpx.Response:
    """POST ``events`` to an API channel's webhook, signed as the business's system signs them."""
    body = json.dumps({"events": events}, ensure_ascii=False).encode()
    return httpx.post(
        base + hook,
        content=body,
        headers={"Content-Type": "application/json", "X-Frontdesk-Signature": sign(secret, body)},
    )
