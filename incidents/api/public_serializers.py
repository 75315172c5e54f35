"""What anyone may read: the same public fields the public pages show, nothing more.

Never here: reporter details, exact address or coordinates, internal notes or
narrative, names of anyone involved, who wrote or reviewed a post, who is
assigned. A withdrawn post keeps its text, marked withdrawn with the public
reason and date, as the public pages show it.
"""

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from rest_framework import serializers

from incidents.models import PUBLIC_STATUS_NAMES, Category, FollowUp, Incident, Post, PostStatus
from precincts.models import Precinct


class PublicCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]
        read_only_fields = fields


class PublicPrecinctSerializer(serializers.ModelSerializer):
    class Meta:
        model = Precinct
        fields = ["slug", "name", "code", "area", "address", "phone", "about", "timezone"]
        read_only_fields = fields


class _WithdrawalFields(serializers.ModelSerializer):
    withdrawn = serializers.SerializerMethodField(help_text="True when the precinct withdrew the post.")
    withdrawn_at = serializers.DateTimeField(source="retracted_at", read_only=True, allow_null=True)
    withdrawn_reason = serializers.SerializerMethodField(help_text="The public reason, when withdrawn.")

    def get_withdrawn(self, post) -> bool:
        return post.status == PostStatus.RETRACTED

    def get_withdrawn_reason(self, post) -> str | None:
        return post.retraction_reason if post.status == PostStatus.RETRACTED else None


class PublicPostSerializer(_WithdrawalFields):
    precinct = serializers.CharField(source="precinct.slug", read_only=True)
    precinct_name = serializers.CharField(source="precinct.name", read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    report = serializers.SlugRelatedField(
        source="incident", slug_field="reference", read_only=True, allow_null=True, help_text="The report's reference."
    )

    class Meta:
        model = Post
        fields = [
            "id",
            "precinct",
            "precinct_name",
            "kind",
            "category",
            "report",
            "body",
            "published_at",
            "withdrawn",
            "withdrawn_at",
            "withdrawn_reason",
        ]
        read_only_fields = fields


# What a row of a post list reads, as `.values()` names it: the public fields
# `PublicPostSerializer` shows, and the status that says whether it is withdrawn.
PUBLIC_POST_VALUES = (
    "id",
    "precinct__slug",
    "precinct__name",
    "kind",
    "category__slug",
    "incident__reference",
    "body",
    "published_at",
    "status",
    "retracted_at",
    "retraction_reason",
)


def _as_text(value: datetime | None, zone) -> str | None:
    """A date as `serializers.DateTimeField` writes it: ISO 8601 in the current time zone, "Z" for UTC."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def public_post_list_data(rows: Iterable[dict]) -> list[dict]:
    """What `PublicPostSerializer(posts, many=True).data` gives, built from `.values(*PUBLIC_POST_VALUES)` rows.

    A list page would otherwise spend most of its time making model instances
    and calling a serializer field per value; the serializer stays the
    definition (and the schema), and the tests hold the two equal.
    """
    zone = timezone.get_current_timezone()
    retracted = PostStatus.RETRACTED
    data = []
    for row in rows:
        withdrawn = row["status"] == retracted
        data.append(
            {
                "id": row["id"],
                "precinct": row["precinct__slug"],
                "precinct_name": row["precinct__name"],
                "kind": row["kind"],
                "category": row["category__slug"],
                "report": row["incident__reference"],
                "body": row["body"],
                "published_at": _as_text(row["published_at"], zone),
                "withdrawn": withdrawn,
                "withdrawn_at": _as_text(row["retracted_at"], zone),
                "withdrawn_reason": row["retraction_reason"] if withdrawn else None,
            }
        )
    return data


class ReportPostSerializer(_WithdrawalFields):
    """A public post as listed on its report (the report gives precinct and category)."""

    class Meta:
        model = Post
        fields = ["id", "kind", "body", "published_at", "withdrawn", "withdrawn_at", "withdrawn_reason"]
        read_only_fields = fields


class PublicNoteSerializer(serializers.ModelSerializer):
    at = serializers.DateTimeField(source="created_at", read_only=True)
    note = serializers.CharField(source="public_note", read_only=True)

    class Meta:
        model = FollowUp
        fields = ["at", "note"]
        read_only_fields = fields


class PublicReportSerializer(serializers.ModelSerializer):
    precinct = serializers.CharField(source="precinct.slug", read_only=True)
    precinct_name = serializers.CharField(source="precinct.name", read_only=True)
    category = serializers.CharField(source="category.slug", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    status_name = serializers.SerializerMethodField(help_text="The status in plain words.")
    notes = PublicNoteSerializer(source="public_notes", many=True, read_only=True, help_text="Dated public notes.")
    posts = ReportPostSerializer(source="public_posts", many=True, read_only=True, help_text="Published posts.")

    class Meta:
        model = Incident
        fields = [
            "reference",
            "precinct",
            "precinct_name",
            "category",
            "category_name",
            "status",
            "status_name",
            "public_summary",
            "public_location",
            "reported_at",
            "resolved_at",
            "notes",
            "posts",
        ]
        read_only_fields = fields

    def get_status_name(self, incident) -> str:
        return PUBLIC_STATUS_NAMES[incident.status]
