from django import template

register = template.Library()


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None


@register.inclusion_tag("partials/_figure.html")
def figure(value, unit="", kind="count"):
    """A number, or why it is not shown."""
    return {"value": value, "unit": unit, "kind": kind}
