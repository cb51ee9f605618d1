"""Tells `make test` whether PostgreSQL and Redis are reachable for the second test run.

Exit 0: both reachable. Exit 1: not reachable and not required (the run is
skipped with a message). Exit 2: not reachable but FRONTDESK_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
import sys

import psycopg
import redis


def main() -> int:
    postgres_url = os.environ["FRONTDESK_TEST_POSTGRES_URL"]
    redis_url = os.environ["FRONTDESK_TEST_REDIS_URL"]
    problems = []
    try:
        dsn = postgres_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(dsn, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        problems.append(f"PostgreSQL at {postgres_url} is not reachable: {error}".strip())
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        problems.append(f"Redis at {redis_url} is not reachable: {error}")
    if not problems:
        return 0
    for problem in problems:
        print(problem, file=sys.stderr)
    if os.environ.get("FRONTDESK_REQUIRE_SERVICES") == "1":
        print("FRONTDESK_REQUIRE_SERVICES=1: failing.", file=sys.stderr)
        return 2
    print("Skipping the PostgreSQL + Redis run of the suite.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
