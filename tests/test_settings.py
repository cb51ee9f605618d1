"""Configuration from the environment, checked in fresh interpreters so each mode is real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.db import connection
result = {
    "engine": settings.DATABASES["default"]["ENGINE"],
    "pool": bool(settings.DATABASES["default"].get("OPTIONS", {}).get("pool")),
    "cache": settings.CACHES["default"]["BACKEND"],
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "tasks": settings.TASKS["default"]["BACKEND"],
    "secure_cookie": settings.SESSION_COOKIE_SECURE,
}
if result["engine"].endswith("sqlite3"):
    with connection.cursor() as cursor:
        for pragma in ["journal_mode", "synchronous", "foreign_keys", "busy_timeout"]:
            cursor.execute(f"PRAGMA {pragma}")
            result[pragma] = cursor.fetchone()[0]
print(json.dumps(result))
"""


def probe(tmp_path: Path, **env: str) -> dict[str, Any]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FRONTDESK_") and key != "DJANGO_SETTINGS_MODULE"
    }
    environment |= {"DJANGO_SETTINGS_MODULE": "frontdesk.settings", "FRONTDESK_VAR_DIR": str(tmp_path), **env}
    output = subprocess.run(
        [sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def test_embedded_mode_uses_sqlite_in_wal_mode_and_in_process_services(tmp_path: Path) -> None:
    config = probe(tmp_path)
    assert config["engine"] == "django.db.backends.sqlite3"
    assert config["journal_mode"] == "wal"
    assert config["synchronous"] == 1  # NORMAL
    assert config["foreign_keys"] == 1
    assert config["busy_timeout"] == 20000
    assert config["layer"] == "channels.layers.InMemoryChannelLayer"
    assert config["cache"].endswith("LocMemCache")
    assert config["tasks"] == "django_tasks_db.DatabaseBackend"
    assert (tmp_path / "secret_key").read_text().strip(), "a secret key is generated and kept"
    assert probe(tmp_path) == config, "the generated key and settings are stable across restarts"


def test_scale_out_mode_uses_postgresql_with_a_pool_and_redis(tmp_path: Path) -> None:
    config = probe(
        tmp_path,
        FRONTDESK_DATABASE_URL="postgres://frontdesk@db.internal:5432/frontdesk",
        FRONTDESK_REDIS_URL="redis://cache.internal:6379/0",
        FRONTDESK_SECRET_KEY="k" * 50,
        FRONTDESK_PUBLIC_URL="https://support.example.com",
    )
    assert config["engine"] == "django.db.backends.postgresql"
    assert config["pool"] is True
    assert config["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert config["layer"].startswith("channels_redis.")
    assert config["secure_cookie"] is True
    assert not (tmp_path / "secret_key").exists()


def refusal(tmp_path: Path, **env: str) -> str:
    """What a process started with `env` says when the settings refuse it (it must not start)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    environment |= {"DJANGO_SETTINGS_MODULE": "frontdesk.settings", "FRONTDESK_VAR_DIR": str(tmp_path), **env}
    result = subprocess.run([sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    return result.stderr


def test_unsupported_database_url_fails_with_a_clear_message(tmp_path: Path) -> None:
    stderr = refusal(tmp_path, FRONTDESK_DATABASE_URL="mysql://root@127.0.0.1/test")
    assert "FRONTDESK_DATABASE_URL must point at SQLite or PostgreSQL" in stderr


def test_an_unknown_similarity_model_fails_with_a_clear_message(tmp_path: Path) -> None:
    stderr = refusal(tmp_path, FRONTDESK_SIMILARITY_MODEL="word2vec")
    assert "FRONTDESK_SIMILARITY_MODEL must be minhash or use-multilingual, got 'word2vec'" in stderr
    # The embedding model is installed with the dev extras, so choosing it starts.
    assert probe(tmp_path, FRONTDESK_SIMILARITY_MODEL="use-multilingual")["engine"].endswith("sqlite3")
