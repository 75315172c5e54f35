import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """Pages and numbers are cached; each test starts (and leaves) with nothing cached."""
    cache.clear()
    yield
    cache.clear()
