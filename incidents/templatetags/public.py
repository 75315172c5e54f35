from django import template

register = template.Library()


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None


@register.inclusion_tag("partials/_figure.html")
def figure(value, unit="", kind="count"):
    """A number, or why it is not shown."""
    return {"value": value, "unit": unit, "kind": kind}


@register.filter
def hide_small(value):
    """Counts of 1 to 4 are not shown as numbers (see incidents.stats.MIN_REPORTS)."""
    from incidents.stats import MIN_REPORTS

    return None if value and value < MIN_REPORTS else value
