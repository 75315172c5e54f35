"""The plain-language post templates OpenBlotter ships with.

One per category and outcome, plus a default per outcome for categories added
later. Administrators edit them in the admin; seeding never overwrites an edit.
Words follow plain-language guidance for police posts: short sentences,
common words, active voice, no jargon, nothing about the people involved.
"""

from incidents.models import Category, Outcome, PostTemplate

# How each category reads at the start of a post.
CATEGORY_TITLES = {
    "noise": "Noise complaint",
    "parking": "Parking problem",
    "theft": "Theft report",
    "vandalism": "Vandalism report",
    "traffic-safety": "Traffic safety concern",
    "abandoned-vehicle": "Abandoned car",
    "drug-activity": "Report of drug activity",
    "suspicious-activity": "Suspicious activity report",
    "harassment": "Harassment report",
    "lost-property": "Lost property report",
    "street-condition": "Street problem",
    "animal-complaint": "Animal complaint",
}

# What happened, in one plain sentence per outcome.
OUTCOME_SENTENCES = {
    Outcome.ARREST: "Officers looked into it and made an arrest.",
    Outcome.SUMMONS: "Officers looked into it and gave a ticket.",
    Outcome.WARNING: "Officers spoke with the people involved and gave a warning.",
    Outcome.FIXED: "Officers followed up and the problem has been fixed.",
    Outcome.MEDIATED: "Officers helped the people involved settle it.",
    Outcome.PROPERTY_RECOVERED: "Officers found the property and gave it back.",
    Outcome.ADVICE: "Officers followed up and gave advice on what to do next.",
    Outcome.REFERRED: "We passed it to {agency}, who can act on it.",
    Outcome.UNFOUNDED: "Officers checked and found no problem.",
    Outcome.UNABLE_TO_LOCATE: "Officers went to look but could not find the problem.",
    Outcome.NOT_POLICE_MATTER: "This is not something police can act on, so we closed it.",
}

CLOSING = "{public_note} Thank you for telling us."
DEFAULT_OPENING = "Update on a {category} report, {location} (reported {reported_date}):"


def template_text(title: str | None, outcome: str) -> str:
    opening = f"{title}, {{location}} (reported {{reported_date}}):" if title else DEFAULT_OPENING
    sentence = OUTCOME_SENTENCES[outcome]
    return f"{opening} {sentence[0].lower()}{sentence[1:]} {CLOSING}"


def seed_post_templates() -> int:
    """Create any missing template: one per category × outcome and a default per outcome."""
    created = 0
    for outcome in OUTCOME_SENTENCES:
        _, made = PostTemplate.objects.get_or_create(
            category=None, outcome=outcome, defaults={"body": template_text(None, outcome)}
        )
        created += made
    for category in Category.objects.all():
        title = CATEGORY_TITLES.get(category.slug)
        for outcome in OUTCOME_SENTENCES:
            _, made = PostTemplate.objects.get_or_create(
                category=category, outcome=outcome, defaults={"body": template_text(title, outcome)}
            )
            created += made
    return created
