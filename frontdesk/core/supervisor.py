"""A small process supervisor: runs Frontdesk's roles as child processes and keeps them up.

``frontdesk run`` uses it to start the web server, the task worker and the
scheduler. Each child's output is forwarded line by line behind its name
(``web       | …``); a child that exits while nobody asked it to is started
again after a back-off, unless it keeps crashing, in which case the
supervisor stops everything and fails with a clear message. SIGINT or
SIGTERM stops the children gracefully (SIGTERM, then SIGKILL after a grace
period) and the supervisor exits 0.

While it runs, ``<run_dir>/<role>.pid`` holds the PID of each child and
``<run_dir>/supervisor.pid`` its own, for operators and tests.

Children run in their own process groups, so a Ctrl-C in the terminal
reaches only the supervisor, which stops them in order. Should the
supervisor itself be killed, each child notices its stdin pipe closing and
stops (see :func:`stop_with_supervisor`), so nothing is left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, TextIO

SUPERVISED_ENV = "FRONTDESK_SUPERVISED"
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Role:
    """One kind of child process: its name (the output prefix) and its command line."""

    name: str
    argv: Sequence[str]
    # Extra environment for this role only, on top of the supervisor's.
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _Child:
    role: Role
    process: subprocess.Popen[bytes] | None = None
    start_at: float = 0.0
    crashes: deque[float] = field(default_factory=deque)
    pump: threading.Thread | None = None


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"code {returncode}"


class Supervisor:
    """Starts every role, restarts the ones that crash, stops them all on SIGINT/SIGTERM."""

    def __init__(
        self,
        roles: Sequence[Role],
        *,
        run_dir: Path,
        out: TextIO,
        env: Mapping[str, str] | None = None,
        max_crashes: int = 5,
        crash_window: float = 60.0,
        stop_timeout: float = 10.0,
        announce: Callable[[], bool] | None = None,
    ) -> None:
        """``announce`` is called on every poll until it returns True (e.g. once the web port answers)."""
        self.children = [_Child(role) for role in roles]
        self.run_dir = run_dir
        self.out = out
        self.env = {**(env if env is not None else os.environ), "PYTHONUNBUFFERED": "1", SUPERVISED_ENV: "1"}
        self.max_crashes = max_crashes
        self.crash_window = crash_window
        self.stop_timeout = stop_timeout
        self.announce = announce
        self._width = max(len("run"), *(len(role.name) for role in roles))
        self._output_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop_signal: int | None = None
        self._force = False

    def say(self, text: str, name: str = "run") -> None:
        """Write lines of output behind ``name``'s prefix."""
        prefix = f"{name:<{self._width}} | "
        block = "".join(f"{prefix}{line}\n" for line in text.splitlines() or [""])
        with self._output_lock:
            self.out.write(block)
            self.out.flush()

    def pid_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"

    def run(self) -> int:
        """Supervise until asked to stop (returns 0) or until a role crashes too often (returns 1)."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        handled = (signal.SIGINT, signal.SIGTERM)
        previous = {signum: signal.signal(signum, self._on_signal) for signum in handled}
        self._write_pid("supervisor", os.getpid())
        try:
            failed = self._supervise()
            if self._stop_signal is not None:
                self.say(f"Received {signal.Signals(self._stop_signal).name}, stopping…")
            self._stop_all()
            return 1 if failed else 0
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self.pid_file("supervisor").unlink(missing_ok=True)

    def _supervise(self) -> bool:
        """Loop until a stop signal arrives (False) or a role gives up (True)."""
        while self._stop_signal is None:
            now = time.monotonic()
            for child in self.children:
                if child.process is None:
                    if now >= child.start_at:
                        self._start(child)
                    continue
                returncode = child.process.poll()
                if returncode is None or self._stop_signal is not None:
                    continue
                if not self._schedule_restart(child, returncode, now):
                    return True
            if self.announce is not None and self.announce():
                self.announce = None
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()
        return False

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Only flags here: the main loop does the work, outside the handler.
        if self._stop_signal is not None:
            self._force = True
        self._stop_signal = signum
        self._wake.set()

    def _start(self, child: _Child) -> None:
        process = subprocess.Popen(  # noqa: S603 - our own command line, no shell
            list(child.role.argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**self.env, **child.role.env},
            process_group=0,
        )
        child.process = process
        assert process.stdout is not None
        child.pump = threading.Thread(
            target=self._forward, args=(child.role.name, process.stdout), name=f"output-{child.role.name}", daemon=True
        )
        child.pump.start()
        self._write_pid(child.role.name, process.pid)
        self.say(f"started {child.role.name} (pid {process.pid})")

    def _forward(self, name: str, stream: IO[bytes]) -> None:
        with stream:
            for raw in iter(stream.readline, b""):
                self.say(raw.decode(errors="replace").rstrip("\r\n"), name)

    def _schedule_restart(self, child: _Child, returncode: int, now: float) -> bool:
        """Plan a restart with back-off; False when the role has crashed too often to go on."""
        name = child.role.name
        self._forget(child)
        child.crashes.append(now)
        while child.crashes and child.crashes[0] < now - self.crash_window:
            child.crashes.popleft()
        if len(child.crashes) >= self.max_crashes:
            self.say(
                f"ERROR: {name} exited with {describe_exit(returncode)} and has crashed {len(child.crashes)} times "
                f"within {self.crash_window:g} s. Giving up; its output above says why."
            )
            return False
        delay = min(0.5 * 2 ** (len(child.crashes) - 1), 30.0)
        child.start_at = now + delay
        self.say(f"{name} exited with {describe_exit(returncode)}; restarting in {delay:g} s")
        return True

    def _stop_all(self) -> None:
        running = [child for child in self.children if child.process is not None and child.process.poll() is None]
        for child in running:
            assert child.process is not None
            self.say(f"stopping {child.role.name} (pid {child.process.pid})")
            self._signal(child.process, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        while not self._force and time.monotonic() < deadline:
            if all(child.process.poll() is not None for child in running if child.process is not None):
                break
            time.sleep(0.05)
        for child in running:
            assert child.process is not None
            if child.process.poll() is None:
                self.say(f"{child.role.name} did not stop in time; killing it")
                self._signal(child.process, signal.SIGKILL, group=True)
                child.process.wait()
        for child in self.children:
            self._forget(child)

    @staticmethod
    def _signal(process: subprocess.Popen[bytes], signum: int, *, group: bool = False) -> None:
        try:
            if group:
                # The child leads its own process group, so its group id is its pid.
                os.killpg(process.pid, signum)
            else:
                process.send_signal(signum)
        except ProcessLookupError:
            pass

    def _forget(self, child: _Child) -> None:
        """Drop an exited child: reap it, finish forwarding its output, remove its pid file."""
        if child.process is None:
            return
        child.process.wait()
        if child.process.stdin is not None:
            child.process.stdin.close()
        if child.pump is not None:
            # A grandchild may still hold the pipe; do not wait for it forever.
            child.pump.join(timeout=2)
        self.pid_file(child.role.name).unlink(missing_ok=True)
        child.process = None
        child.pump = None

    def _write_pid(self, name: str, pid: int) -> None:
        # Written aside and renamed, so a reader never sees a half-written file.
        path = self.pid_file(name)
        partial = path.with_suffix(".pid.tmp")
        partial.write_text(f"{pid}\n")
        partial.replace(path)


def stop_with_supervisor() -> None:
    """In a child of the supervisor, stop gracefully once the supervisor is gone.

    The supervisor gives each child a pipe as stdin and never writes to it:
    end-of-file means the supervisor exited, even if it was SIGKILLed. The
    child then sends itself SIGTERM, which every role handles as "shut down".
    """
    if os.environ.get(SUPERVISED_ENV) != "1" or sys.stdin is None:
        return
    stdin = sys.stdin.fileno()

    def watch() -> None:
        # os.read, not sys.stdin: a daemon thread blocked inside a buffered
        # reader holds its lock and makes interpreter shutdown abort.
        try:
            while os.read(stdin, 4096):
                pass
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()
