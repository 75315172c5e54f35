"""The numbers page never makes residents wait for a recompute, and never recomputes once per request."""

from datetime import timedelta

import pytest
from django.core.cache import cache

from incidents import stats

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def age(precinct, seconds: float) -> None:
    """Make the kept figures look `seconds` old."""
    key = f"stats:v2:{precinct.pk}"
    numbers = cache.get(key)
    numbers["computed_at"] -= timedelta(seconds=seconds)
    cache.set(key, numbers)


def test_it_computes_once_and_then_answers_from_the_cache(precinct_a, incident, django_assert_num_queries):
    first = stats.precinct_numbers(precinct_a)
    with django_assert_num_queries(0):
        assert stats.precinct_numbers(precinct_a) == first


def test_it_recomputes_figures_older_than_the_cache_time(precinct_a, incident):
    first = stats.precinct_numbers(precinct_a)
    age(precinct_a, stats.CACHE_SECONDS + 1)
    again = stats.precinct_numbers(precinct_a)
    assert again["computed_at"] > first["computed_at"] - timedelta(seconds=stats.CACHE_SECONDS)
    assert cache.get(f"stats:v2:{precinct_a.pk}:lock") is None  # released


def test_while_someone_recomputes_everyone_else_gets_the_kept_figures(precinct_a, incident, django_assert_num_queries):
    stats.precinct_numbers(precinct_a)
    age(precinct_a, stats.CACHE_SECONDS + 1)
    kept = cache.get(f"stats:v2:{precinct_a.pk}")
    cache.add(f"stats:v2:{precinct_a.pk}:lock", 1)  # another process is recomputing
    with django_assert_num_queries(0):
        assert stats.precinct_numbers(precinct_a) == kept


def test_a_failed_recompute_releases_the_lock(precinct_a, incident, monkeypatch):
    stats.precinct_numbers(precinct_a)
    age(precinct_a, stats.CACHE_SECONDS + 1)

    def broken(*args):
        raise RuntimeError("database went away")

    monkeypatch.setattr(stats, "_compute", broken)
    with pytest.raises(RuntimeError):
        stats.precinct_numbers(precinct_a)
    assert cache.get(f"stats:v2:{precinct_a.pk}:lock") is None


def test_a_publish_since_makes_the_figures_stale(precinct_a, incident):
    first = stats.precinct_numbers(precinct_a)
    precinct_a.public_changed_at = first["computed_at"] + timedelta(seconds=1)
    assert stats.precinct_numbers(precinct_a)["computed_at"] > first["computed_at"]
