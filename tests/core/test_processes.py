"""`frontdesk run` as a user starts it: real processes, real ports, real signals."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import websockets.exceptions
import websockets.sync.client
from websockets.typing import Origin

from frontdesk.conversations.models import Conversation
from frontdesk.core.supervisor import Role, Supervisor
from tests.running import FRONTDESK, free_port, wait_for

REPO = Path(__file__).resolve().parent.parent.parent


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class Product:
    def __init__(self, var_dir: Path, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
        self.var_dir, self.port, self.process, self.log = var_dir, port, process, log
        self.url = f"http://127.0.0.1:{port}"

    def pid(self, role: str) -> int | None:
        try:
            return int((self.var_dir / "run" / f"{role}.pid").read_text())
        except (FileNotFoundError, ValueError):
            return None

    def get(self, path: str) -> httpx.Response | None:
        try:
            return httpx.get(self.url + path, timeout=2)
        except httpx.TransportError:
            return None

    def conversation_status(self, pk: int) -> str:
        with sqlite3.connect(self.var_dir / "frontdesk.sqlite3") as db:
            row = db.execute(f"SELECT status FROM {Conversation._meta.db_table} WHERE id = ?", (pk,)).fetchone()  # noqa: S608
        return str(row[0])


@pytest.fixture
def embedded_env(tmp_path: Path) -> dict[str, str]:
    # Embedded mode even in the PostgreSQL pass: pytest's test database is not
    # one a child process could see.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"FRONTDESK_DATABASE_URL", "FRONTDESK_REDIS_URL", "FRONTDESK_SUPERVISED"}
    }
    env.update(
        FRONTDESK_VAR_DIR=str(tmp_path / "var"), FRONTDESK_SCHEDULER_TICK="0.5", FRONTDESK_SNOOZE_WAKE_SECONDS="1"
    )
    return env


@pytest.fixture
def product(tmp_path: Path, embedded_env: dict[str, str]) -> Iterator[Product]:
    with running_product(tmp_path, embedded_env) as running:
        yield running


@contextmanager
def running_product(tmp_path: Path, env: dict[str, str]) -> Iterator[Product]:
    """`frontdesk run` on a free port until the block ends (then killed if still up)."""
    port = free_port()
    log = tmp_path / "run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*FRONTDESK, "run", "--port", str(port)], cwd=REPO, env=env, stdout=output, stderr=output
        )
    running = Product(tmp_path / "var", port, process, log)
    try:
        wait_for(lambda: running.get("/healthz"), 30, "the web server", log)
        yield running
    finally:
        if process.poll() is None:
            # The children notice their supervisor is gone and stop by themselves.
            process.kill()
            process.wait()


@pytest.mark.timeout(90)
def test_run_serves_restarts_a_killed_worker_runs_jobs_and_stops_cleanly(
    product: Product, embedded_env: dict[str, str]
) -> None:
    health = product.get("/healthz")
    assert health is not None
    assert health.json() == {"status": "ok"}
    login = product.get("/accounts/login/")
    assert login is not None
    assert login.status_code == 200
    banner = f"Frontdesk is running at {product.url}"
    wait_for(lambda: banner in product.log.read_text(), 5, "the banner", product.log)

    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        websockets.sync.client.connect(
            f"ws://127.0.0.1:{product.port}/ws/agent/", origin=Origin(product.url), open_timeout=5
        )
    assert refused.value.response.status_code == 403

    worker = product.pid("worker")
    assert worker is not None
    os.kill(worker, signal.SIGKILL)
    new_worker = wait_for(
        lambda: (pid := product.pid("worker")) and pid != worker and pid, 15, "a new worker", product.log
    )
    assert is_running(new_worker)
    assert "worker exited with signal SIGKILL" in product.log.read_text()
    assert product.get("/healthz") is not None

    # The scheduler enqueues the wake job, the restarted worker runs it.
    created = subprocess.run(
        [
            *FRONTDESK,
            "shell",
            "--verbosity=0",
            "-c",
            "from datetime import timedelta\n"
            "from django.utils import timezone\n"
            "from tests.factories import make_conversation, make_workspace\n"
            "workspace = make_workspace()\n"
            "now = timezone.now()\n"
            "due = make_conversation(workspace, status='snoozed', snoozed_until=now - timedelta(seconds=1))\n"
            "later = make_conversation(workspace, status='snoozed', snoozed_until=now + timedelta(days=1))\n"
            "print(due.pk, later.pk)",
        ],
        cwd=REPO,
        env=embedded_env,
        capture_output=True,
        text=True,
        check=True,
    )
    due, later = (int(pk) for pk in created.stdout.split())
    wait_for(lambda: product.conversation_status(due) == "open", 15, "the snoozed conversation to wake", product.log)
    assert product.conversation_status(later) == "snoozed"

    children = [pid for role in ("web", "worker", "scheduler") if (pid := product.pid(role))]
    assert len(children) == 3
    product.process.send_signal(signal.SIGINT)
    assert product.process.wait(timeout=15) == 0
    assert not [pid for pid in children if is_running(pid)]
    assert not list((product.var_dir / "run").glob("*.pid"))


def test_supervisor_gives_up_on_a_role_that_keeps_crashing(tmp_path: Path) -> None:
    out = io.StringIO()
    supervisor = Supervisor(
        [Role("broken", [sys.executable, "-c", "print('cannot start'); raise SystemExit(3)"])],
        run_dir=tmp_path,
        out=out,
        max_crashes=3,
    )

    assert supervisor.run() == 1

    output = out.getvalue()
    assert output.count("broken | cannot start") == 3
    assert "broken exited with code 3; restarting in 0.5 s" in output
    assert "ERROR: broken exited with code 3 and has crashed 3 times within 60 s. Giving up" in output


def test_supervisor_kills_a_child_that_ignores_the_stop_signal(tmp_path: Path) -> None:
    stubborn = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(60)"
    )
    out = io.StringIO()
    supervisor = Supervisor(
        [Role("stubborn", [sys.executable, "-c", stubborn])], run_dir=tmp_path, out=out, stop_timeout=1
    )

    def press_ctrl_c_once_the_child_is_up() -> None:
        try:
            wait_for(lambda: "stubborn | up" in out.getvalue(), 10, "the child")
        finally:
            os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=press_ctrl_c_once_the_child_is_up, daemon=True).start()

    started = time.monotonic()
    assert supervisor.run() == 0

    assert time.monotonic() - started < 10
    output = out.getvalue()
    assert "stubborn | up" in output
    assert "Received SIGINT, stopping" in output
    assert "stubborn did not stop in time; killing it" in output
    assert not list(tmp_path.glob("*.pid"))


@pytest.mark.timeout(60)
def test_an_idle_worker_copies_sqlites_log_into_the_database_file(product: Product) -> None:
    database = product.var_dir / "frontdesk.sqlite3"
    key = f"probe-{time.time_ns()}"
    # Another process commits (as the web process would), leaving the row in the write-ahead log only: its own
    # connection never checkpoints, and SQLite's automatic checkpoint waits for 1,000 pages.
    with sqlite3.connect(database, timeout=20) as writer:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute(
            "INSERT INTO django_session (session_key, session_data, expire_date) VALUES (?, '', '2100-01-01')", (key,)
        )

    def in_database_file() -> bool:
        # `immutable` reads the database file alone, as it would be after a power cut, not the log.
        with sqlite3.connect(f"file:{database}?immutable=1", uri=True) as file_only:
            return bool(file_only.execute("SELECT 1 FROM django_session WHERE session_key = ?", (key,)).fetchone())

    assert wait_for(in_database_file, 10, "the idle worker's checkpoint", product.log)
