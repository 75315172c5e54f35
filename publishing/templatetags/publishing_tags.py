from django import template

register = template.Library()

# The desk's status colours (static/css/app.css), reused: green, yellow, red.
_TONES = {
    "sent": "post-status--published",
    "deleted": "post-status--published",
    "pending": "post-status--in_review",
    "sending": "post-status--in_review",
    "deleting": "post-status--in_review",
    "failed": "post-status--rejected",
}


@register.filter
def delivery_tone(state: str) -> str:
    """The CSS class that colours a delivery or retraction state."""
    return _TONES.get(state, "")
