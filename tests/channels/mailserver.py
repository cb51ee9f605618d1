"""A real IMAP server on loopback for the mail-reading tests: pymap's in-memory backend in its own process.

``imap_server()`` starts one (with IDLE, or without it to test polling, and
optionally STARTTLS with a given certificate), yields an :class:`ImapServer`
whose ``deliver`` appends a mail the way an MTA's delivery would, and stops it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from imapclient import IMAPClient

HOST = "127.0.0.1"
USERNAME = "support@shop.example"
PASSWORD = "imap password 2026"

# pymap's own command line, with the dict backend told to leave IDLE out of its capabilities when asked.
_LAUNCH = """
import sys
if "--without-idle" in sys.argv:
    sys.argv.remove("--without-idle")
    from pymap.backend import dict as backend
    from pymap.config import BackendCapability
    backend.Config.backend_capability = property(
        lambda self: BackendCapability(idle=False, object_id=True, multi_append=True)
    )
from pymap.main import main
main()
"""


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    username: str
    password: str

    @contextmanager
    def client(self) -> Iterator[IMAPClient]:
        """A logged-in client, as a customer's mail provider delivering or an admin looking."""
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        try:
            client.login(self.username, self.password)
            yield client
        finally:
            client.logout()

    def deliver(self, raw: bytes, folder: str = "INBOX", *, received: datetime | None = None) -> None:
        """Append ``raw``; ``received`` sets its INTERNALDATE (when the server got it), now by default."""
        with self.client() as client:
            client.append(folder, raw, msg_time=received)

    def create_folder(self, folder: str) -> None:
        with self.client() as client:
            client.create_folder(folder)

    def recreate_folder(self, folder: str) -> None:
        """Delete and create ``folder``: its UIDs start over under a new UIDVALIDITY."""
        with self.client() as client:
            client.delete_folder(folder)
            client.create_folder(folder)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.client() as client:
            return int(client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])

    def flags(self, folder: str = "INBOX") -> list[tuple[bytes, ...]]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            return [data[b"FLAGS"] for data in client.fetch(client.search(), ["FLAGS"]).values()]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def imap_server(*, idle: bool = True, cert: Path | None = None, key: Path | None = None) -> Iterator[ImapServer]:
    port = free_port()
    tls = ["--cert", str(cert), "--key", str(key)] if cert and key else ["--no-tls"]
    argv = [sys.executable, "-c", _LAUNCH, "--host", HOST, "--port", str(port), *tls]
    argv += ["dict", "--demo-user", USERNAME, "--demo-password", PASSWORD]
    if not idle:
        argv.append("--without-idle")
    # FQDN spares pymap a reverse DNS lookup of this machine in its greeting.
    process = subprocess.Popen(
        argv, env={**os.environ, "FQDN": "imap.test"}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _wait_until_listening(port, process)
        yield ImapServer(HOST, port, USERNAME, PASSWORD)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def _wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"pymap exited with {process.returncode}: {error}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("pymap did not start listening within 20 s")
