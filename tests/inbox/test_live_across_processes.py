"""Scale-out: an agent connected to one web process hears of a change made through another."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest
import websockets.sync.client
from websockets.typing import Origin

from tests.running import FRONTDESK, free_port, is_healthy, product_env, wait_for

pytestmark = pytest.mark.services

REPO = Path(__file__).resolve().parents[2]

SETUP = """
import json, django
django.setup()
from django.contrib.sessions.backends.db import SessionStore
from frontdesk.core.tokens import issue_token
from frontdesk.core.membership import SESSION_KEY
from tests.factories import make_conversation, make_member, make_workspace
workspace = make_workspace("Live")
member = make_member(workspace)
conversation = make_conversation(workspace)
session = SessionStore()
session["_auth_user_id"] = str(member.user.pk)
session["_auth_user_backend"] = "allauth.account.auth_backends.AuthenticationBackend"
session["_auth_user_hash"] = member.user.get_session_auth_hash()
session[SESSION_KEY] = workspace.pk
session.save()
print(json.dumps({"token": issue_token(member, "live")[1], "session": session.session_key,
                  "conversation": conversation.pk, "member": member.pk}))
"""


@pytest.fixture
def two_web_processes(tmp_path: Path) -> Iterator[tuple[str, str, dict[str, object]]]:
    with product_env(tmp_path, migrated=True) as env:
        assert "FRONTDESK_REDIS_URL" in env, "this test runs in the scale-out pass"
        env = env | {"DJANGO_SETTINGS_MODULE": "frontdesk.settings"}
        made = subprocess.run(
            [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, check=True, cwd=REPO
        )
        fixture = json.loads(made.stdout.strip().splitlines()[-1])
        processes, urls = [], []
        for name in ("a", "b"):
            port = free_port()
            log = tmp_path / f"web-{name}.log"
            processes.append(
                subprocess.Popen(
                    [*FRONTDESK, "web", "--port", str(port)], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
                )
            )
            url = f"127.0.0.1:{port}"
            wait_for(partial(is_healthy, f"http://{url}"), 30, f"web process {name}", log)
            urls.append(url)
        try:
            yield urls[0], urls[1], fixture
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=15)


def test_change_through_one_web_process_reaches_an_agent_on_another(
    two_web_processes: tuple[str, str, dict[str, object]],
) -> None:
    web_a, web_b, fixture = two_web_processes
    with websockets.sync.client.connect(
        f"ws://{web_b}/ws/agent/",
        origin=Origin(f"http://{web_b}"),
        additional_headers={"Cookie": f"sessionid={fixture['session']}"},
        open_timeout=5,
    ) as socket:
        assert json.loads(socket.recv(timeout=5))["type"] == "hello"
        started = time.monotonic()
        response = httpx.patch(
            f"http://{web_a}/api/v1/conversations/{fixture['conversation']}",
            json={"assignee_id": fixture["member"], "priority": 4},
            headers={"Authorization": f"Bearer {fixture['token']}"},
            timeout=5,
        )
        assert response.status_code == 200, response.text
        received = [json.loads(socket.recv(timeout=1)) for _ in range(2)]
        elapsed = time.monotonic() - started
    assert {tuple(event["changes"]) for event in received} == {("priority",), ("assignee_id",)}
    assert all(event["type"] == "conversation.updated" for event in received)
    assert all(event["conversation"]["id"] == fixture["conversation"] for event in received)
    assert elapsed < 1.5, f"live update took {elapsed:.2f} s"
