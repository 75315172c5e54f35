import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.timezone import now


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone name (for example America/New_York).")


class PrecinctQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Precinct(models.Model):
    """A police precinct: the tenant boundary of OpenBlotter."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    code = models.CharField(max_length=8, unique=True, help_text="Short code, e.g. MTN.")
    area = models.CharField(max_length=200, blank=True, help_text="Neighbourhoods served.")
    address = models.CharField(max_length=200, blank=True, help_text="Public station address.")
    phone = models.CharField(max_length=40, blank=True, help_text="Public non-emergency number.")
    about = models.TextField(blank=True)
    timezone = models.CharField(max_length=64, default="America/New_York", validators=[validate_timezone])
    is_active = models.BooleanField(default=True)
    # A supervisor's publishing hold: while set, nothing goes out for this precinct.
    hold_reason = models.CharField(max_length=300, blank=True)
    hold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hold_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Moved on whenever a post of this precinct is published or withdrawn:
    # public pages use it for ETags and cache keys, so caches never go stale.
    public_changed_at = models.DateTimeField(default=now)

    objects = PrecinctQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_held(self) -> bool:
        return self.hold_at is not None

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.timezone)


class Membership(models.Model):
    """A user's role in one precinct. A user may belong to several precincts."""

    class Role(models.TextChoices):
        OFFICER = "officer", "Officer"
        SUPERVISOR = "supervisor", "Supervisor"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    precinct = models.ForeignKey(Precinct, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.OFFICER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "precinct"], name="membership_one_per_user_precinct"),
            models.CheckConstraint(condition=Q(role__in=["officer", "supervisor"]), name="membership_role_valid"),
        ]
        # The precinct's staff list (assignee choices, supervisors to notify).
        indexes = [models.Index(fields=["precinct", "role"], name="membership_precinct_role")]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} at {self.precinct}"


class AuditEntry(models.Model):
    """Who did what, when and from where: sign-ins, failed sign-ins, record changes."""

    class Action(models.TextChoices):
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
        SIGN_OUT = "sign_out", "Signed out"
        INCIDENT_CREATED = "incident_created", "Incident logged"
        INCIDENT_CHANGED = "incident_changed", "Incident changed"
        PUBLISHING_HELD = "publishing_held", "Publishing put on hold"
        PUBLISHING_RELEASED = "publishing_released", "Publishing hold lifted"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as typed even when no such user exists (failed sign-ins).
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40, choices=Action.choices)
    precinct = models.ForeignKey(Precinct, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        # "What happened to this record", newest first, in the admin.
        indexes = [models.Index(fields=["object_type", "object_id", "-created_at"], name="audit_object")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username or self.actor_id} {self.action}"
