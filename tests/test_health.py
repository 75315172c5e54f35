"""The liveness and readiness probes the load balancer and the orchestrator call."""

import socket

import pytest

from tests.support import require_service

CLOSED_PORT = "redis://127.0.0.1:1/0"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def redis_reachable(host="127.0.0.1", port=6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def assert_not_cached(response):
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store"} <= directives


@pytest.fixture
def broker(settings):
    """Point the readiness check at a broker, as CELERY_BROKER_URL would in production."""

    def use(url):
        settings.CELERY_BROKER_URL = url

    return use


def test_it_is_alive_without_touching_the_database(client):
    # No django_db mark: any query here would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert_not_cached(response)


def test_it_only_answers_get(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_it_is_ready_with_the_database_and_inline_tasks(client, broker):
    broker(None)
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("inline")
    assert_not_cached(response)


@pytest.mark.django_db
def test_it_is_not_ready_when_the_broker_does_not_answer(client, broker):
    broker(CLOSED_PORT)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": "ok", "broker": "error"}
    assert_not_cached(response)
    # With DEBUG off (as in production) the answer does not give away addresses or error text.
    assert "errors" not in body
    assert "127.0.0.1" not in str(body)


@pytest.mark.django_db
def test_it_is_ready_with_a_working_broker(client, broker):
    require_service(redis_reachable(), "needs Redis on 127.0.0.1:6379")
    broker(LOCAL_REDIS)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}
    assert_not_cached(response)
