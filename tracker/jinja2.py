"""The Jinja2 environment for the public pages and the desk's incident list (templates/jinja2/).

Autoescaping is on (Django's backend turns it on); Django's safe strings and
forms carry `__html__`, so they pass through unescaped as in Django templates.
The globals are the few the pages need: `static` and `url(name, *args)` as in
Django templates (both remembered, as they never change while the process
runs), `zone(name)` for a time zone, and the formatting helpers of
`incidents.presentation` as filters.
"""

import zoneinfo
from functools import lru_cache

from django.templatetags.static import static as django_static
from django.utils.text import Truncator
from django.utils.timezone import localtime
from jinja2 import Environment, StrictUndefined

from incidents import presentation


@lru_cache(maxsize=256)
def static(path: str) -> str:
    """The URL of a static file, remembered: the storage (and its manifest) is fixed for the process."""
    return django_static(path)


def truncatechars(value, length: int) -> str:
    """Django's `truncatechars`: at most `length` characters, the last one "…" when cut."""
    return Truncator(value).chars(length)


def environment(**options) -> Environment:
    # Escaping is always on (Django's backend asks for it too); misspelt names fail loudly
    # instead of rendering as empty text.
    options = {**options, "undefined": StrictUndefined}
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.globals.update(static=static, url=presentation.url, zone=zoneinfo.ZoneInfo)
    env.filters.update(
        # `moment|localtime` is in the current time zone (as Django templates show times), `|localtime(tz)` in tz.
        localtime=localtime,
        day=presentation.day,
        day_and_time=presentation.day_and_time,
        month_day=presentation.month_day,
        hide_small=presentation.hide_small,
        public_status=presentation.public_status,
        truncatechars=truncatechars,
    )
    return env
