import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle


@pytest.fixture(autouse=True)
def _no_throttling(monkeypatch):
    """Open311 is throttled like the public API; these tests read it far more often than a client would."""
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "1000000/minute")
    cache.clear()
    yield
    cache.clear()
