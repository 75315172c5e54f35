from django.conf import settings
from django.db import models
from django.db.models import F, Q

from precincts.models import Precinct


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Status(models.TextChoices):
    NEW = "new", "New"
    INVESTIGATING = "investigating", "Investigating"
    ACTION_SCHEDULED = "action_scheduled", "Action scheduled"
    RESOLVED = "resolved", "Resolved"
    REFERRED = "referred", "Referred"
    NO_ACTION = "no_action", "No action"
    DUPLICATE = "duplicate", "Duplicate"


OPEN_STATUSES = (Status.NEW, Status.INVESTIGATING, Status.ACTION_SCHEDULED)
CLOSED_STATUSES = (Status.RESOLVED, Status.REFERRED, Status.NO_ACTION, Status.DUPLICATE)

# What residents read for each status (DESIGN.md).
PUBLIC_STATUS_NAMES = {
    Status.NEW: "Received",
    Status.INVESTIGATING: "Officers are looking into it",
    Status.ACTION_SCHEDULED: "Action planned",
    Status.RESOLVED: "Resolved",
    Status.REFERRED: "Passed to another agency",
    Status.NO_ACTION: "No further police action",
    Status.DUPLICATE: "Duplicate report",
}


class Outcome(models.TextChoices):
    # Outcomes of a `resolved` report.
    ARREST = "arrest", "Arrest made"
    SUMMONS = "summons", "Ticket or summons issued"
    WARNING = "warning", "Warning given"
    FIXED = "fixed", "Problem fixed"
    MEDIATED = "mediated", "Dispute settled"
    PROPERTY_RECOVERED = "property_recovered", "Property recovered"
    ADVICE = "advice", "Advice given"
    # The outcome of a `referred` report.
    REFERRED = "referred", "Passed to another agency"
    # Outcomes of a `no_action` report.
    UNFOUNDED = "unfounded", "Unfounded"
    UNABLE_TO_LOCATE = "unable_to_locate", "Unable to locate"
    NOT_POLICE_MATTER = "not_police_matter", "Not a police matter"
    # The outcome of a `duplicate` report.
    DUPLICATE = "duplicate", "Duplicate report"


# Which outcomes close an incident into which status.
OUTCOMES_FOR_STATUS = {
    Status.RESOLVED: (
        Outcome.ARREST,
        Outcome.SUMMONS,
        Outcome.WARNING,
        Outcome.FIXED,
        Outcome.MEDIATED,
        Outcome.PROPERTY_RECOVERED,
        Outcome.ADVICE,
    ),
    Status.REFERRED: (Outcome.REFERRED,),
    Status.NO_ACTION: (Outcome.UNFOUNDED, Outcome.UNABLE_TO_LOCATE, Outcome.NOT_POLICE_MATTER),
    Status.DUPLICATE: (Outcome.DUPLICATE,),
}


class Source(models.TextChoices):
    PHONE = "phone", "Phone"
    WALK_IN = "walk_in", "Walk-in"
    ONLINE = "online", "Online"
    THREE_ONE_ONE = "311", "311"
    SOCIAL = "social", "Social media"
    PATROL = "patrol", "Patrol"


class Priority(models.IntegerChoices):
    LOW = 1, "Low"
    NORMAL = 2, "Normal"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"


class IncidentQuerySet(models.QuerySet):
    def for_precincts(self, precinct_ids):
        return self.filter(precinct_id__in=precinct_ids)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Incident(models.Model):
    """One resident's report.

    Fields are grouped by who may see them. Public code paths read only the
    public group; private field names say so (`reporter_…`, `internal_…`,
    `exact_…`), so that a leak is obvious in review.
    """

    # No index of its own: the desk list's index (precinct, -reported_at, -id) leads with it and serves
    # every lookup by precinct. A second, narrower index let PostgreSQL's one plan for a read
    # (tracker.prepared) fetch a whole precinct and sort it, costed for an average-sized precinct.
    precinct = models.ForeignKey(Precinct, on_delete=models.PROTECT, related_name="incidents", db_index=False)

    # --- public -----------------------------------------------------------
    reference = models.CharField(max_length=8, unique=True, editable=False)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="incidents")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    public_summary = models.CharField(max_length=280, help_text="Plain words, no names or exact addresses.")
    public_location = models.CharField(
        max_length=120, help_text='Block level or a cross street, e.g. "200 block of W 42nd St".'
    )
    reported_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    # --- private ----------------------------------------------------------
    reporter_name = models.CharField(max_length=120, blank=True)
    reporter_phone = models.CharField(max_length=40, blank=True)
    reporter_email = models.EmailField(blank=True)
    exact_address = models.CharField(max_length=200, blank=True)
    exact_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    exact_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    internal_narrative = models.TextField(blank=True)
    involved_names = models.TextField(blank=True, help_text="Names of anyone involved, one per line.")

    # --- workflow ---------------------------------------------------------
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.WALK_IN)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_incidents"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    referred_to = models.CharField(max_length=120, blank=True, help_text="The agency a referred report went to.")
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Time of the latest follow-up; drives "no follow-up for 7 days".
    last_activity_at = models.DateTimeField()
    # Bumped by every change; a form carries the version it was made from so
    # that a second, stale change is refused instead of overwriting the first.
    version = models.PositiveIntegerField(default=1)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=[s.value for s in Status]), name="incident_status_valid"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]) | ~Q(outcome=""),
                name="incident_closed_has_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.REFERRED) | ~Q(referred_to=""), name="incident_referred_names_agency"
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.DUPLICATE) | Q(duplicate_of__isnull=False),
                name="incident_duplicate_names_original",
            ),
            models.CheckConstraint(condition=~Q(duplicate_of=F("pk")), name="incident_not_duplicate_of_itself"),
        ]
        indexes = [
            # The desk list, newest first, per precinct (keyset on reported_at, id).
            models.Index(fields=["precinct", "-reported_at", "-id"], name="incident_desk_list"),
            # The desk list filtered by status.
            models.Index(fields=["precinct", "status", "-reported_at", "-id"], name="incident_desk_status"),
            # The desk list filtered by category.
            models.Index(fields=["precinct", "category", "-reported_at", "-id"], name="incident_desk_category"),
            # "Assigned to me", across my precincts.
            models.Index(fields=["assignee", "-reported_at", "-id"], name="incident_desk_assignee"),
            # "No follow-up for 7 days": open incidents by last activity.
            models.Index(
                fields=["precinct", "last_activity_at"],
                name="incident_desk_stale",
                condition=Q(status__in=["new", "investigating", "action_scheduled"]),
            ),
        ]

    def __str__(self):
        return f"{self.reference} — {self.public_summary[:60]}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def public_status_name(self) -> str:
        return PUBLIC_STATUS_NAMES[self.status]

    def private_values(self) -> list[str]:
        """Every private detail of this report, for the draft checker to look for."""
        values = [
            self.reporter_name,
            self.reporter_phone,
            self.reporter_email,
            self.exact_address,
            *self.involved_names.splitlines(),
        ]
        return [v.strip() for v in values if v and v.strip()]


class FollowUp(models.Model):
    """An append-only entry in an incident's history: a note, a status change, an assignment."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="followups")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    internal_note = models.TextField(blank=True)
    public_note = models.CharField(max_length=280, blank=True, help_text="Shown to residents on the report page.")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    referred_to = models.CharField(max_length=120, blank=True)
    duplicate_of = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    assigned_from = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # True when the entry changed who the incident is assigned to (to_nobody included).
    changed_assignee = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        # An incident's history, in order; and the public notes of a report.
        indexes = [models.Index(fields=["incident", "created_at", "id"], name="followup_history")]

    def __str__(self):
        return f"{self.incident.reference} follow-up {self.pk}"

    def save(self, *args, **kwargs):
        # History is append-only: an entry, once written, is never rewritten,
        # not even through a new object carrying an old id (INSERT only).
        if not self._state.adding:
            raise ValueError("Follow-ups are append-only and cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)


class PostKind(models.TextChoices):
    RESOLUTION = "resolution", "Resolution"
    UPDATE = "update", "Update"
    ALERT = "alert", "Alert"


class PostStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"
    RETRACTED = "retracted", "Retracted"


# Posts residents can see: published ones, and retracted ones (shown as withdrawn).
PUBLIC_POST_STATUSES = (PostStatus.PUBLISHED, PostStatus.RETRACTED)
# Posts the author may still edit.
EDITABLE_POST_STATUSES = (
    PostStatus.DRAFT,
    PostStatus.CHANGES_REQUESTED,
    PostStatus.IN_REVIEW,
    PostStatus.APPROVED,
)


class PostQuerySet(models.QuerySet):
    def public(self):
        return self.filter(status__in=PUBLIC_POST_STATUSES, precinct__is_active=True)


class Post(models.Model):
    """A short public post about a report (or a precinct-wide alert).

    Published only after a supervisor other than the author approves the exact
    text: `approved_hash` is the SHA-256 of the body that was approved.
    """

    # No index of its own: the desk's post list indexes (precinct, [status,] -created_at, -id) lead
    # with it, and the public reads have their partial indexes; see Incident.precinct.
    precinct = models.ForeignKey(Precinct, on_delete=models.PROTECT, related_name="posts", db_index=False)
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="posts")
    kind = models.CharField(max_length=20, choices=PostKind.choices, default=PostKind.RESOLUTION)
    # Copied from the report when the post is made, so the public timeline can
    # filter by category straight from its own index.
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    status = models.CharField(max_length=20, choices=PostStatus.choices, default=PostStatus.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_hash = models.CharField(max_length=64, blank=True)
    # When an approved post may go out; publishing waits for it (and for any hold).
    publish_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The reason given with the latest request for changes or rejection (for the author).
    review_comment = models.CharField(max_length=500, blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    retraction_reason = models.CharField(max_length=300, blank=True, help_text="Shown publicly.")
    # An alert a supervisor published at once, waiting for a second supervisor's look.
    needs_after_review = models.BooleanField(default=False)
    after_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=[s.value for s in PostStatus]), name="post_status_valid"),
            models.CheckConstraint(
                condition=~Q(status__in=["published", "retracted"]) | Q(published_at__isnull=False),
                name="post_public_has_published_at",
            ),
            models.CheckConstraint(
                condition=~Q(status="retracted") | ~Q(retraction_reason=""), name="post_retraction_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | (~Q(approved_hash="") & Q(publish_at__isnull=False)),
                name="post_approved_has_hash_and_time",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["resolution", "update"]) | Q(incident__isnull=False),
                name="post_about_incident_has_incident",
            ),
        ]
        indexes = [
            # The public timeline: a precinct's public posts, newest first (keyset).
            models.Index(
                fields=["precinct", "-published_at", "-id"],
                name="post_timeline",
                condition=Q(status__in=["published", "retracted"]),
            ),
            # The public timeline filtered by category.
            models.Index(
                fields=["precinct", "category", "-published_at", "-id"],
                name="post_timeline_category",
                condition=Q(status__in=["published", "retracted"]),
            ),
            # The city-wide timeline and feed.
            models.Index(
                fields=["-published_at", "-id"],
                name="post_city_timeline",
                condition=Q(status__in=["published", "retracted"]),
            ),
            # The review queue: a precinct's posts waiting, oldest first.
            models.Index(
                fields=["precinct", "updated_at", "id"], name="post_review_queue", condition=Q(status="in_review")
            ),
            # The publisher: approved posts whose time has come.
            models.Index(fields=["publish_at"], name="post_due", condition=Q(status="approved")),
            # The desk's post list: a precinct's posts by status, newest first; and of every status.
            models.Index(fields=["precinct", "status", "-created_at", "-id"], name="post_desk_list"),
            models.Index(fields=["precinct", "-created_at", "-id"], name="post_desk_all"),
            # "My posts".
            models.Index(fields=["author", "-created_at", "-id"], name="post_by_author"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} post {self.pk} ({self.get_status_display()})"

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_POST_STATUSES


class PostEvent(models.Model):
    """Append-only log of every post transition, with the body at that moment."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=PostStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=PostStatus.choices)
    # Null for the publisher acting on a schedule.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.CharField(max_length=500, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        # A post's history in order; and "the last version a supervisor saw".
        indexes = [models.Index(fields=["post", "created_at", "id"], name="postevent_history")]

    def __str__(self):
        return f"post {self.post_id}: {self.from_status or '—'} → {self.to_status}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Post events are append-only and cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)


class PostTemplate(models.Model):
    """A plain-language starting text for the post that closing a report drafts.

    Placeholders see public fields only: {category}, {location}, {reported_date},
    {closed_date}, {outcome}, {agency}, {public_note}.
    """

    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="post_templates",
        help_text="Leave empty for the template used when a category has none of its own.",
    )
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category__name", "outcome"]
        constraints = [
            models.UniqueConstraint(fields=["category", "outcome"], name="posttemplate_one_per_category_outcome"),
            models.UniqueConstraint(
                fields=["outcome"], condition=Q(category__isnull=True), name="posttemplate_one_default_per_outcome"
            ),
        ]

    def __str__(self):
        return f"{self.category or 'Any category'} — {self.get_outcome_display()}"
