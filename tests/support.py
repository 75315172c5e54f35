"""Helpers shared by tests that need real services."""

import os
import socket

import pytest
from django.db import connection


def require_service(available: bool, reason: str) -> None:
    """Skip the calling test when a service is missing, unless CI requires it.

    Locally, `make test` runs with no database server, broker or browser;
    under REQUIRE_SERVICES=1 (CI) a missing service is a failure, never a skip.
    """
    if available:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1, so this is a failure, not a skip)")
    pytest.skip(reason)


def require_postgresql() -> None:
    require_service(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://…")


def redis_reachable(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def require_redis() -> None:
    require_service(redis_reachable(), "needs Redis on 127.0.0.1:6379")
