"""Staff API serializers. They validate shape only; the services decide what is allowed."""

from datetime import datetime

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.models import (
    FollowUp,
    Incident,
    Outcome,
    Post,
    PostEvent,
    PostKind,
    PostStatus,
    Priority,
    Source,
    Status,
)
from incidents.services.posts import check_post_body
from precincts.models import Membership, Precinct

MAX_INT = 2**31 - 1
# Dates outside this range are typing mistakes, and some cannot be converted between time zones.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999


def check_year(value):
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise serializers.ValidationError(f"Give a date between {EARLIEST_YEAR} and {LATEST_YEAR}.")
    return value


# --- errors and shared pieces (responses) ----------------------------------------


class ErrorSerializer(serializers.Serializer):
    """Every error answer: a sentence, and the messages for each field at fault."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class CurrentStateSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    status = serializers.CharField()


class ConflictSerializer(ErrorSerializer):
    """A lost race: nothing was applied; `current` is the record's state now."""

    current = CurrentStateSerializer(required=False)


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


# --- auth and the caller -----------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='Send it as "Authorization: Token <token>".')


class MembershipSerializer(serializers.ModelSerializer):
    precinct = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    precinct_name = serializers.CharField(source="precinct.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["precinct", "precinct_name", "role"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    memberships = MembershipSerializer(many=True)


class StaffMemberSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer()

    class Meta:
        model = Membership
        fields = ["user", "role"]


class HoldSerializer(serializers.ModelSerializer):
    """A precinct's publishing hold, as its staff see it."""

    precinct = serializers.CharField(source="slug")
    held = serializers.BooleanField(source="is_held")
    reason = serializers.CharField(source="hold_reason")
    since = serializers.DateTimeField(source="hold_at", allow_null=True)
    held_by = UserSummarySerializer(source="hold_by", allow_null=True)

    class Meta:
        model = Precinct
        fields = ["precinct", "held", "reason", "since", "held_by"]


class HoldRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Why publishing stops (staff see it).")


# --- incidents --------------------------------------------------------------------


class IncidentSerializer(serializers.ModelSerializer):
    """A report, with its private details: staff of its precinct only."""

    precinct = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    public_status_name = serializers.CharField(read_only=True, help_text="What residents read for the status.")
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    created_by = UserSummarySerializer(read_only=True)
    duplicate_of = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)
    # Blank until closed / when not given: declared so that the schema allows "".
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    reporter_email = serializers.CharField(read_only=True)

    class Meta:
        model = Incident
        fields = [
            "reference",
            "precinct",
            "category",
            "status",
            "public_status_name",
            "public_summary",
            "public_location",
            "reported_at",
            "resolved_at",
            "reporter_name",
            "reporter_phone",
            "reporter_email",
            "exact_address",
            "exact_latitude",
            "exact_longitude",
            "internal_narrative",
            "involved_names",
            "source",
            "priority",
            "assignee",
            "created_by",
            "outcome",
            "referred_to",
            "duplicate_of",
            "created_at",
            "updated_at",
            "last_activity_at",
            "version",
        ]
        read_only_fields = fields


class IncidentFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    category = serializers.SlugField(required=False, help_text="A category's slug.")
    precinct = serializers.SlugField(required=False, help_text="One of your precincts, by slug.")
    assignee = serializers.RegexField(
        r"^(me|none|[1-9][0-9]{0,9})$",
        required=False,
        help_text='A user id, "me" or "none" (unassigned).',
        error_messages={"invalid": 'Give a user id, "me" or "none".'},
    )
    reported_from = serializers.DateField(
        required=False, validators=[check_year], help_text="Reported on or after this day (site time zone)."
    )
    reported_to = serializers.DateField(
        required=False, validators=[check_year], help_text="Reported on or before this day (site time zone)."
    )
    q = serializers.CharField(
        required=False, max_length=100, help_text="A reference, or words in the summary, location or narrative."
    )


class IncidentCreateSerializer(serializers.Serializer):
    precinct = serializers.SlugField(
        required=False, help_text="One of your precincts, by slug. May be left out if you belong to only one."
    )
    category = serializers.SlugField(help_text="An active category's slug.")
    public_summary = serializers.CharField(
        min_length=5, max_length=280, help_text="Plain words, no names or exact addresses."
    )
    public_location = serializers.CharField(max_length=120, help_text='Block level, e.g. "200 block of W 42nd St".')
    reported_at = serializers.DateTimeField(required=False, validators=[check_year], help_text="Defaults to now.")
    source = serializers.ChoiceField(choices=Source.choices, default=Source.WALK_IN)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    reporter_name = serializers.CharField(max_length=120, required=False, default="", allow_blank=True)
    reporter_phone = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    reporter_email = serializers.EmailField(max_length=254, required=False, default="", allow_blank=True)
    exact_address = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    internal_narrative = serializers.CharField(max_length=10000, required=False, default="", allow_blank=True)
    involved_names = serializers.CharField(
        max_length=2000, required=False, default="", allow_blank=True, help_text="One per line."
    )
    assignee = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_INT, help_text="A user id of the precinct's staff."
    )


class FollowUpSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)
    from_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)
    to_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    duplicate_of = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)
    assigned_from = UserSummarySerializer(read_only=True, allow_null=True)
    assigned_to = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "created_at",
            "author",
            "internal_note",
            "public_note",
            "from_status",
            "to_status",
            "outcome",
            "referred_to",
            "duplicate_of",
            "changed_assignee",
            "assigned_from",
            "assigned_to",
        ]
        read_only_fields = fields


class FollowUpCreateSerializer(serializers.Serializer):
    """One entry on a report: a note, a status change, an assignment, or several at once."""

    version = serializers.IntegerField(
        min_value=1, max_value=MAX_INT, help_text="The incident version you saw; a stale one answers 409."
    )
    internal_note = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)
    public_note = serializers.CharField(
        max_length=280, required=False, default="", allow_blank=True, help_text="Shown on the report's public page."
    )
    to_status = serializers.ChoiceField(choices=Status.choices, required=False, default="", allow_blank=True)
    outcome = serializers.ChoiceField(
        choices=Outcome.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text="Needed when closing as resolved or no_action.",
    )
    referred_to = serializers.CharField(
        max_length=120, required=False, default="", allow_blank=True, help_text="The agency, when referring."
    )
    duplicate_of = serializers.CharField(
        max_length=20,
        required=False,
        default="",
        allow_blank=True,
        help_text="The original report's reference, when a duplicate.",
    )
    assignee = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_INT,
        help_text="A user id of the precinct's staff; null unassigns; leave out to keep.",
    )


# --- posts ------------------------------------------------------------------------


class StrictCharField(serializers.CharField):
    """A text field that refuses numbers and booleans instead of turning them into strings."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class CheckRequestSerializer(serializers.Serializer):
    # Posts are at most 500 characters; the cap also bounds the link matcher, which is slow on odd long input.
    text = StrictCharField(allow_blank=True, trim_whitespace=False, max_length=1000)
    incident = serializers.IntegerField(allow_null=True, required=False, min_value=1)


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=["block", "warn"])
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    message = serializers.CharField()
    suggestion = serializers.CharField(allow_blank=True)


class CheckResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="False when anything blocks the post.")
    lengths = serializers.DictField(child=serializers.IntegerField(), help_text="Length per network (x, mastodon, …).")
    grade = serializers.FloatField(help_text="Reading grade (Flesch-Kincaid).")
    findings = FindingSerializer(many=True)


class PostSerializer(serializers.ModelSerializer):
    precinct = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    incident = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)
    author = UserSummarySerializer(read_only=True)
    reviewer = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Post
        fields = [
            "id",
            "precinct",
            "incident",
            "kind",
            "body",
            "status",
            "author",
            "reviewer",
            "review_comment",
            "publish_at",
            "published_at",
            "retracted_at",
            "retraction_reason",
            "needs_after_review",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class FollowUpCreatedSerializer(serializers.Serializer):
    followup = FollowUpSerializer()
    incident = IncidentSerializer(help_text="The incident after the change, with its new version.")
    drafted_post = PostSerializer(allow_null=True, help_text="The draft post that closing the report created, if any.")


class PostEventSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)
    from_status = serializers.ChoiceField(choices=PostStatus.choices, allow_blank=True, read_only=True)

    class Meta:
        model = PostEvent
        fields = ["from_status", "to_status", "actor", "comment", "body", "created_at"]
        read_only_fields = fields


class PostDetailSerializer(PostSerializer):
    """A post with its history and what the checker says about its text now."""

    history = PostEventSerializer(many=True, read_only=True, source="history_events")
    check = serializers.SerializerMethodField()

    class Meta(PostSerializer.Meta):
        fields = [*PostSerializer.Meta.fields, "history", "check"]
        read_only_fields = fields

    @extend_schema_field(CheckResultSerializer)
    def get_check(self, post) -> dict:
        return check_post_body(post.body, post.incident).as_dict()


class PostFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PostStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=PostKind.choices, required=False)
    precinct = serializers.SlugField(required=False, help_text="One of your precincts, by slug.")
    incident = serializers.CharField(required=False, max_length=20, help_text="A report reference.")
    mine = serializers.BooleanField(required=False, default=False, help_text="Only posts you wrote.")


class PostCreateSerializer(serializers.Serializer):
    """An officer's update about a report, or a supervisor's precinct-wide alert.

    Resolution posts are not created here: closing a report drafts one.
    """

    kind = serializers.ChoiceField(choices=[PostKind.UPDATE, PostKind.ALERT])
    body = serializers.CharField(max_length=500)
    incident = serializers.CharField(
        required=False, max_length=20, help_text="For an update: the report's reference (one of your precincts)."
    )
    precinct = serializers.SlugField(required=False, help_text="For an alert: one of your precincts, by slug.")
    publish_now = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Alerts only, supervisors only: publish at once; another supervisor reviews it afterwards.",
    )

    def validate(self, data):
        if data["kind"] == PostKind.UPDATE and not data.get("incident"):
            raise serializers.ValidationError({"incident": ["Give the reference of the report this update is about."]})
        if data["kind"] == PostKind.ALERT and not data.get("precinct"):
            raise serializers.ValidationError({"precinct": ["Choose the precinct the alert is for."]})
        if data["kind"] == PostKind.UPDATE and data.get("publish_now"):
            raise serializers.ValidationError({"publish_now": ["Only alerts can be published at once."]})
        return data


class PostEditSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=500)
    version = serializers.IntegerField(
        min_value=1, max_value=MAX_INT, help_text="The post version you saw; a stale one answers 409."
    )


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_INT,
        help_text="The post version you saw; a stale one answers 409. Leave out to act on the current one.",
    )


class ApproveSerializer(VersionSerializer):
    publish_at = serializers.DateTimeField(
        required=False, allow_null=True, validators=[check_year], help_text="When to publish; leave out for now."
    )


_REASON_NEEDED = "Give a reason; the author will see it."


class DecisionSerializer(VersionSerializer):
    reason = serializers.CharField(
        max_length=500,
        help_text="The author sees it.",
        error_messages={"required": _REASON_NEEDED, "blank": _REASON_NEEDED},
    )


class RetractSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Shown publicly with the withdrawn post.")


def local_day_start(day) -> datetime:
    """The first moment of `day` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))
