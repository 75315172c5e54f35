from django import template

from incidents.checks import LIMITS

register = template.Library()

NETWORK_NAMES = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}


@register.inclusion_tag("partials/_check.html")
def post_check(check, text):
    """The checker's counts and findings, each finding with the words it points at."""
    return {
        "counts": [
            {"name": NETWORK_NAMES.get(network, network), "count": count, "limit": LIMITS[network]}
            for network, count in check.lengths.items()
        ],
        "grade": check.grade,
        "ok": check.ok,
        "findings": [{"finding": f, "excerpt": text[f.start : f.end]} for f in check.findings],
    }
