"""Celery is configured for the delivery pipeline, and /readyz reports the broker."""

import pytest
from django.conf import settings as django_settings

from publishing import tasks
from tests.publishing.fakes import free_port
from tests.publishing.processes import RedisServer, forget_broker_connections, redis_server_available
from tests.support import require_service
from tracker.celery import app


def test_delivery_tasks_acknowledge_late_and_come_back_when_a_worker_dies():
    for task in (tasks.send_delivery, tasks.retract_delivery):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True
        assert task.soft_time_limit == django_settings.PUBLISHING_TASK_SOFT_TIME_LIMIT
        assert task.time_limit == django_settings.PUBLISHING_TASK_TIME_LIMIT
        assert 0 < task.soft_time_limit < task.time_limit < django_settings.PUBLISHING_CLAIM_EXPIRY


def test_the_broker_holds_a_message_longer_than_any_countdown():
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility > django_settings.PUBLISHING_MAX_COUNTDOWN + django_settings.PUBLISHING_TASK_TIME_LIMIT


def test_workers_take_one_task_at_a_time_in_json_only():
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_serializer == "json" and app.conf.accept_content == ["json"]
    assert app.conf.task_publish_retry_policy["max_retries"] <= 3
    assert django_settings.PUBLISHING_MAX_ATTEMPTS <= 10


def test_beat_runs_the_sweeper_and_tasks_run_inline_only_without_a_broker():
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    assert schedule["sweep-deliveries"]["task"] == "publishing.tasks.sweep_deliveries"
    assert schedule["sweep-deliveries"]["task"] in app.tasks
    inline = django_settings.CELERY_TASK_ALWAYS_EAGER
    assert inline is (django_settings.CELERY_BROKER_URL is None)


@pytest.fixture
def broker_at(settings, monkeypatch):
    """Point the readiness check at a broker, as CELERY_BROKER_URL would in production."""

    def point(url):
        settings.CELERY_BROKER_URL = url
        # Celery reads the environment variable before any setting (and CI sets it).
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        forget_broker_connections(app)
        assert app.conf.broker_url == url

    yield point
    forget_broker_connections(app)


def test_readyz_reports_the_broker(client, db, broker_at, tmp_path):
    require_service(redis_server_available(), "needs the redis-server binary")
    broker = RedisServer(tmp_path).start()
    try:
        broker_at(broker.url)
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["checks"]["broker"] == "ok"

        broker.kill()
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["broker"] == "error"
    finally:
        broker.kill()


def test_readyz_reports_a_broker_that_refuses(client, db, broker_at):
    broker_at(f"redis://127.0.0.1:{free_port()}/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "broker": "error"}}
