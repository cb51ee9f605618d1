"""Helpers for tests that start Frontdesk's own processes: ports, waiting, fresh databases."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import psycopg

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

REPO = Path(__file__).resolve().parents[1]
FRONTDESK = [sys.executable, "-m", "frontdesk.cli"]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for[T](check: Callable[[], T | None], timeout: float, what: str, log: Path | None = None) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    output = log.read_text() if log else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{output}")


def frontdesk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run one `frontdesk` command to completion, failing the test with its output if it fails."""
    result = subprocess.run([*FRONTDESK, *args], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"frontdesk {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def clean_env(var_dir: Path) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("FRONTDESK_")}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return environment | {"FRONTDESK_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"}


@contextmanager
def product_env(var_dir: Path, *, migrated: bool = False) -> Iterator[dict[str, str]]:
    """Embedded mode; in the scale-out pass, a fresh PostgreSQL database and the test Redis.

    The database is empty, or with ``migrated`` a copy of one that ``frontdesk migrate`` made earlier in
    this session: migrating costs a product start several seconds, so it is done once (see
    ``migrated_database``). Tests of migrating itself, like `make run` on a new machine, leave it empty.
    """
    environment = clean_env(var_dir)
    database_url = os.environ.get("FRONTDESK_DATABASE_URL")
    if not database_url:
        if migrated:
            copy_sqlite(migrated_database(), var_dir / "frontdesk.sqlite3")
        yield environment
        return
    template = migrated_database() if migrated else None
    with scratch_database(database_url, template) as url:
        yield environment | {"FRONTDESK_DATABASE_URL": url, "FRONTDESK_REDIS_URL": os.environ["FRONTDESK_REDIS_URL"]}


@contextmanager
def scratch_database(database_url: str, template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database beside ``database_url``'s, empty or a copy of ``template``; dropped afterwards."""
    base = database_url.rsplit("/", 1)[0]
    name = f"frontdesk_scratch_{uuid.uuid4().hex[:10]}"
    copy_of = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"{copy_of}')
    try:
        yield f"{base}/{name}"
    finally:
        drop_database(base, name)


def drop_database(base: str, name: str) -> None:
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@cache
def migrated_database() -> str:
    """A database ``frontdesk migrate`` made, for this session's products to copy; removed when the session ends.

    SQLite: the file's path. PostgreSQL: the name of a database beside FRONTDESK_DATABASE_URL's.
    """
    directory = Path(tempfile.mkdtemp(prefix="frontdesk-migrated-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    environment = clean_env(directory)
    database_url = os.environ.get("FRONTDESK_DATABASE_URL")
    if not database_url:
        frontdesk("migrate", "--no-input", env=environment)
        return str(directory / "frontdesk.sqlite3")
    base = database_url.rsplit("/", 1)[0]
    name = f"frontdesk_migrated_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    atexit.register(drop_database, base, name)
    frontdesk("migrate", "--no-input", env=environment | {"FRONTDESK_DATABASE_URL": f"{base}/{name}"})
    return name


def copy_sqlite(source: str, target: Path) -> None:
    """Copy a SQLite database through SQLite's backup, which also takes what is still in its write-ahead log."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(target)) as copy:
        original.backup(copy)


def is_healthy(base: str) -> bool:
    """Whether the Frontdesk web process at ``base`` (``http://host:port``) answers its health check."""
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def set_up_product(env: dict[str, str], script: str, *args: str) -> dict[str, Any]:
    """Run ``script`` (Python, Django set up) with ``args`` on the product's migrated database.

    The script prints one JSON object last (the ids and secrets the test needs), which is returned.
    """
    made = subprocess.run([sys.executable, "-c", script, *args], env=env, capture_output=True, text=True, cwd=REPO)
    assert made.returncode == 0, made.stderr
    fixture: dict[str, Any] = json.loads(made.stdout.strip().splitlines()[-1])
    return fixture


STARTUP_SECONDS = 120


@contextmanager
def serving(env: dict[str, str], var_dir: Path, port: int | None = None) -> Iterator[str]:
    """``frontdesk run`` (every role) on ``port``, yielding its base URL once healthy; stopped like Ctrl-C."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    log = var_dir / "web.log"
    with log.open("w") as output:
        web = subprocess.Popen([*FRONTDESK, "run", "--port", str(port)], env=env, stdout=output, stderr=output)
    try:
        # Generous: start-up imports jieba, OpenCC and numpy, and a loaded 2-core machine takes its time.
        wait_for(partial(is_healthy, base), STARTUP_SECONDS, "the web process", log)
        yield base
    finally:
        web.send_signal(signal.SIGINT)
        web.wait(timeout=30)


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless, with nothing fetched from the internet."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
