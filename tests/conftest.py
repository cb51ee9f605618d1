from __future__ import annotations

import os

import pytest
from django.core.cache import cache

from frontdesk.core.models import Member, Role, Workspace
from tests.factories import make_member, make_workspace


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Tests marked `services` need PostgreSQL and Redis: they run in the scale-out
    # pass of `make test`, and in the SQLite pass they are deselected, not skipped.
    # Tests that start the product through `embedded_env` run it in embedded mode in
    # either pass, so the same test twice, and tests marked `one_pass` check what the
    # database does not change: the scale-out pass leaves them to the SQLite one.
    if os.environ.get("FRONTDESK_REDIS_URL"):
        elsewhere = [
            item for item in items if "embedded_env" in getattr(item, "fixturenames", ()) or "one_pass" in item.keywords
        ]
    else:
        elsewhere = [item for item in items if "services" in item.keywords]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        gone = set(elsewhere)
        items[:] = [item for item in items if item not in gone]


@pytest.fixture(autouse=True)
def _fast_hashing_and_clean_cache(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    cache.clear()


@pytest.fixture
def workspace(db: None) -> Workspace:
    return make_workspace("Acme")


@pytest.fixture
def agent(workspace: Workspace) -> Member:
    return make_member(workspace, Role.AGENT)


@pytest.fixture
def admin(workspace: Workspace) -> Member:
    return make_member(workspace, Role.ADMIN)
