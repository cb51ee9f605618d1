from __future__ import annotations

import os

import pytest
from django.core.cache import cache

from frontdesk.core.models import Member, Role, Workspace
from tests.factories import make_member, make_workspace


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Tests marked `services` need PostgreSQL and Redis: they run in the scale-out
    # pass of `make test`, and in the SQLite pass they are deselected, not skipped.
    if os.environ.get("FRONTDESK_REDIS_URL"):
        return
    keep = [item for item in items if "services" not in item.keywords]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if "services" in item.keywords])
        items[:] = keep


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
