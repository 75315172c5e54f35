"""Timings of the delivery pipeline.

The values tied to Celery (time limits, claim expiry, longest countdown,
attempt cap) live in `tracker/settings.py`, next to the Celery settings they
must agree with. The rest are read here, with defaults, so that a test can
shorten them with the `settings` fixture.
"""

from django.conf import settings


def task_time_limit() -> int:
    """Hard time limit of a delivery task, in seconds."""
    return settings.PUBLISHING_TASK_TIME_LIMIT


def claim_expiry() -> int:
    """Seconds after which a `sending` claim belongs to a dead task."""
    return settings.PUBLISHING_CLAIM_EXPIRY


def max_attempts() -> int:
    return settings.PUBLISHING_MAX_ATTEMPTS


def max_countdown() -> int:
    return settings.PUBLISHING_MAX_COUNTDOWN


def backoff_base() -> float:
    """The first retry waits about this long; each later one twice as long."""
    return getattr(settings, "PUBLISHING_BACKOFF_BASE", 30.0)


def requeue_after() -> int:
    """A due delivery still waiting this long after it was queued lost its
    message (broker restart, crash): the sweeper queues it again."""
    return getattr(settings, "PUBLISHING_REQUEUE_AFTER", 120)


def sweep_batch() -> int:
    """At most this many deliveries are queued by one sweep."""
    return getattr(settings, "PUBLISHING_SWEEP_BATCH", 500)


def http_timeout() -> float:
    """Seconds allowed for each phase (connect, write, read) of one HTTP call.

    A delivery makes at most three calls; the timeout keeps them well inside
    the task's soft time limit, so a slow network ends as "outcome unknown",
    recorded, rather than as a killed task.
    """
    explicit = getattr(settings, "PUBLISHING_HTTP_TIMEOUT", None)
    if explicit:
        return float(explicit)
    return max(0.5, min(10.0, settings.PUBLISHING_TASK_SOFT_TIME_LIMIT / 8))
