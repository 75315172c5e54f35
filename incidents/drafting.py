"""Turn a post template into a draft. Templates see public fields only."""

import re

from django.db.models import Q

from incidents.models import Incident, Outcome, PostTemplate

PLACEHOLDERS = ("category", "location", "reported_date", "closed_date", "outcome", "agency", "public_note")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")

# Used when neither the category nor the default template exists for an outcome.
FALLBACK = "Update on a {category} report from the {location}: {outcome}. Thank you for telling us."


def unknown_placeholders(body: str) -> list[str]:
    return sorted({name for name in _PLACEHOLDER.findall(body) if name not in PLACEHOLDERS})


def _date(moment, tz) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(tz)
    return f"{local:%B} {local.day}"


def public_context(incident: Incident, *, public_note: str = "") -> dict[str, str]:
    """The only facts a template may use: nothing private, nothing about people."""
    tz = incident.precinct.tzinfo
    return {
        "category": incident.category.name.lower(),
        "location": incident.public_location,
        "reported_date": _date(incident.reported_at, tz),
        "closed_date": _date(incident.resolved_at, tz),
        "outcome": Outcome(incident.outcome).label.lower() if incident.outcome else "",
        "agency": incident.referred_to,
        "public_note": public_note,
    }


def render(body: str, context: dict[str, str]) -> str:
    text = _PLACEHOLDER.sub(lambda m: context.get(m.group(1), m.group(0)), body)
    # Tidy what an empty placeholder leaves behind.
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" ([.,;:!?])", r"\1", text)
    return text.strip()


def template_for(incident: Incident) -> str:
    templates = {
        t.category_id: t.body
        for t in PostTemplate.objects.filter(
            Q(category_id=incident.category_id) | Q(category__isnull=True), outcome=incident.outcome
        )
    }
    return templates.get(incident.category_id) or templates.get(None) or FALLBACK


def draft_text(incident: Incident, *, public_note: str = "") -> str:
    return render(template_for(incident), public_context(incident, public_note=public_note))
