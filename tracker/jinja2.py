"""The Jinja2 environment for the public pages and feeds (templates/jinja2/).

Autoescaping is on (Django's backend turns it on); Django's safe strings and
forms carry `__html__`, so they pass through unescaped as in Django templates.
The globals are the few the pages need: `static` and `url` as in Django
templates, and the formatting helpers of `incidents.presentation`.
"""

from django.templatetags.static import static
from django.urls import reverse
from jinja2 import Environment, StrictUndefined


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options) -> Environment:
    # Misspelt names fail loudly instead of rendering as empty text.
    env = Environment(**{**options, "undefined": StrictUndefined})
    env.globals.update(static=static, url=url)
    return env
