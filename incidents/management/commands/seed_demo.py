"""`python manage.py seed_demo` (**contract**, DESIGN.md): a working, seeded demo.

Creates the demo precincts, their staff (one officer and one supervisor each),
a superuser `admin`, the categories, and about 200 incidents in every status,
written through the services so that follow-ups, audit entries and versions
are real. Prints the demo logins. Safe to run again: nothing is duplicated.

`--incidents N` then loads N more incidents in bulk, each with one to three
follow-ups, with COPY on PostgreSQL (a million takes a few minutes) and batched
INSERTs on SQLite. Bulk rows bypass the services (no audit entries) but keep
every rule the services and the check constraints keep.
"""

import random
import secrets
import sys
import time
from bisect import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone
from tqdm import tqdm

from incidents import demo_data
from incidents.models import (
    CLOSED_STATUSES,
    Category,
    FollowUp,
    Incident,
    Outcome,
    Post,
    PostEvent,
    PostStatus,
    Source,
    Status,
)
from incidents.post_templates import seed_post_templates
from incidents.references import ALPHABET, LENGTH
from incidents.services import Change, followup_add, incident_create
from incidents.services import posts as post_services
from precincts.models import AuditEntry, Membership, Precinct

User = get_user_model()

DEFAULT_PASSWORD = "demo-pass-2026"  # noqa: S105 (printed for everyone: it is a demo)
DESK_URL = "http://127.0.0.1:8000/desk/"
ADMIN_URL = "http://127.0.0.1:8000/admin/"

# Bump to lay out a different demo set; existing databases then get a second one.
DEMO_SEED = "openblotter-demo-1"

# The demo set of each precinct: (storyline, how many). 67 x 3 precincts = 201.
DEMO_STORIES = (
    ("new", 7),
    ("new_noted", 3),
    ("investigating", 9),
    ("action_scheduled", 7),
    ("resolved", 20),
    ("referred", 6),
    ("no_action", 6),
    ("duplicate", 4),
    ("reopened", 3),  # closed, then reopened: investigating again
    ("reopened_resolved", 2),  # closed, reopened, closed again
)

# Bulk loads: (storyline, weight). Roughly what a precinct's books look like.
BULK_STORIES = (
    ("new", 6),
    ("new_noted", 2),
    ("investigating", 9),
    ("action_scheduled", 5),
    ("resolved", 45),
    ("referred", 9),
    ("no_action", 15),
    ("duplicate", 5),
    ("reopened", 4),
)

# How long ago each storyline was reported, in days (open reports are younger).
AGE_DAYS = {
    "new": (0.1, 5),
    "new_noted": (1, 7),
    "investigating": (1, 30),
    "action_scheduled": (3, 45),
    "resolved": (5, 120),
    "referred": (5, 120),
    "no_action": (5, 120),
    "duplicate": (3, 120),
    "reopened": (25, 120),
    "reopened_resolved": (40, 120),
}
# Hours between one step and the next.
GAP_HOURS = {
    "investigating": (1, 48),
    "action_scheduled": (12, 96),
    "close": (12, 240),
    "note": (2, 72),
    "duplicate": (1, 24),
    "reopen": (72, 480),
}
QUICK_SOURCES = {Source.PHONE, Source.WALK_IN, Source.PATROL}

RESOLVED_OUTCOMES = [o.value for o in Outcome if o.value in demo_data.RESOLVED_PUBLIC]
NO_ACTION_OUTCOMES = list(demo_data.NO_ACTION_PUBLIC)


class Command(BaseCommand):
    help = (
        "Seed demo precincts, staff, categories and ~200 incidents in every status (idempotent), "
        "print the demo logins; --incidents N loads N more incidents in bulk."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password for every demo account, set again on each run (default {DEFAULT_PASSWORD}).",
        )
        parser.add_argument(
            "--incidents",
            type=int,
            default=0,
            metavar="N",
            help="Also load N more incidents in bulk, on top of the demo set (may be run repeatedly).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=10_000, help="Bulk incidents per transaction (default 10000)."
        )
        parser.add_argument(
            "--precinct",
            metavar="SLUG",
            help="Load all bulk incidents into this precinct (default: spread over the demo precincts).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed for the bulk incidents.")

    def handle(self, *args, **options):
        # The demo's review traffic would otherwise e-mail (print) every supervisor and author.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            self._handle(**options)

    def _handle(self, **options):
        if options["incidents"] < 0:
            raise CommandError("--incidents must be 0 or more.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        if not options["password"]:
            raise CommandError("--password must not be empty.")
        self.verbosity = options["verbosity"]
        started = time.monotonic()

        with transaction.atomic():
            precincts = self._precincts()
            categories = self._categories()
            # Before any report is closed, so the drafts come from these templates.
            templates = seed_post_templates()
            staff = self._accounts(precincts, options["password"])
        if templates:
            self._say(f"{templates} post templates created.")
        for profile in demo_data.PRECINCTS:
            precinct = precincts[profile.slug]
            officer, supervisor = staff[profile.slug]
            if not precinct.is_active:
                self._say(f"{precinct.name}: inactive, no demo incidents added.")
                continue
            created = self._demo_incidents(precinct, profile, officer, supervisor, categories)
            if created:
                self._demo_posts(precinct, officer, supervisor)
            self._say(
                f"{precinct.name}: {created} demo incidents created."
                if created
                else f"{precinct.name}: demo incidents already there, left as they are."
            )
        self._say(f"Demo data ready in {time.monotonic() - started:.1f} s.")

        if options["incidents"]:
            BulkLoader(self, seed=options["seed"], batch_size=options["batch_size"]).load(
                options["incidents"], precinct_slug=options["precinct"]
            )
        self._print_logins(staff, options["password"])

    def _say(self, message: str) -> None:
        if self.verbosity:
            self.stdout.write(message)

    # --- precincts, categories, accounts -----------------------------------------

    def _precincts(self) -> dict[str, Precinct]:
        # Created once; an existing precinct (found by slug) is left exactly as it is.
        precincts = {}
        for p in demo_data.PRECINCTS:
            precincts[p.slug], _ = Precinct.objects.get_or_create(
                slug=p.slug,
                defaults={
                    "name": p.name,
                    "code": p.code,
                    "area": p.area,
                    "address": p.address,
                    "phone": p.phone,
                    "about": p.about,
                    "timezone": "America/New_York",
                },
            )
        return precincts

    def _categories(self) -> dict[str, Category]:
        categories = {}
        for c in demo_data.CATEGORIES:
            # Match by slug or by name: both are unique, and an administrator may have made either.
            existing = Category.objects.filter(slug=c.slug).first() or Category.objects.filter(name=c.name).first()
            categories[c.slug] = existing or Category.objects.create(name=c.name, slug=c.slug)
        return categories

    def _accounts(self, precincts: dict[str, Precinct], password: str) -> dict[str, tuple]:
        # One hash for every demo account: they share the password anyway, and
        # each PBKDF2 hash costs a noticeable fraction of a second.
        encoded = make_password(password)
        staff = {}
        for p in demo_data.PRECINCTS:
            pair = []
            for role, (first, last) in (
                (Membership.Role.OFFICER, p.officer),
                (Membership.Role.SUPERVISOR, p.supervisor),
            ):
                username = f"{role}-{p.slug}"
                user, _ = User.objects.get_or_create(
                    username=username,
                    defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
                )
                User.objects.filter(pk=user.pk).update(password=encoded)
                Membership.objects.get_or_create(user=user, precinct=precincts[p.slug], defaults={"role": role})
                pair.append(User.objects.get(pk=user.pk))
            staff[p.slug] = tuple(pair)
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.org", "first_name": "Demo"},
        )
        User.objects.filter(pk=admin.pk).update(password=encoded)
        if not created and not admin.is_superuser:
            self.stderr.write("Note: user 'admin' already existed and is not a superuser; left as it is.")
        return staff

    def _print_logins(self, staff: dict[str, tuple], password: str) -> None:
        rows = [("username", "role", "precinct", "password")]
        for p in demo_data.PRECINCTS:
            for user in staff[p.slug]:
                role = Membership.objects.filter(user=user, precinct__slug=p.slug).values_list("role", flat=True)
                rows.append((user.username, role.first() or "-", p.name, password))
        rows.append(("admin", "superuser", "all (Django admin)", password))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        self.stdout.write("")
        self.stdout.write("Demo logins:")
        for i, row in enumerate(rows):
            self.stdout.write("  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
            if i == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
        self.stdout.write("")
        self.stdout.write(f"Staff desk: {DESK_URL}   (run `python manage.py runserver` first)")
        self.stdout.write(f"Admin:      {ADMIN_URL}")

    # --- the demo set, through the services ---------------------------------------

    def _demo_incidents(self, precinct, profile, officer, supervisor, categories) -> int:
        """Lay out one precinct's demo incidents; return how many were created.

        Idempotency: the demo incidents of a precinct get references drawn from
        a Random seeded with DEMO_SEED and the precinct's slug, so the same
        references come out on every run. If any of them is already in the
        precinct, its demo set is there and nothing is done. The set is written
        in one transaction, so it is either all there or not at all.
        """
        ref_rng = random.Random(f"{DEMO_SEED}:{profile.slug}:references")
        total = sum(n for _, n in DEMO_STORIES)
        references = []
        while len(references) < total:
            reference = "".join(ref_rng.choice(ALPHABET) for _ in range(LENGTH))
            if reference not in references:
                references.append(reference)
        if Incident.objects.filter(precinct=precinct, reference__in=references).exists():
            return 0

        rng = random.Random(f"{DEMO_SEED}:{profile.slug}")
        now = timezone.now()
        plans = self._demo_plans(rng, profile, categories, now)
        for plan, reference in zip(plans, references, strict=True):
            plan.reference = reference
        with transaction.atomic():
            for plan in plans:
                self._demo_incident(plan, precinct, officer, supervisor, rng, now)
        return len(plans)

    def _demo_posts(self, precinct, officer, supervisor) -> None:
        """Take the drafts that closing reports created through every post state.

        Most go out; some wait in review, come back for changes, are rejected,
        wait for a scheduled time or are withdrawn; one urgent alert goes out at
        once and waits for a second supervisor's look. Publishing times are
        moved back to just after each report closed.
        """
        rng = random.Random(f"{DEMO_SEED}:{precinct.slug}:posts")
        drafts = list(
            Post.objects.filter(precinct=precinct, status=PostStatus.DRAFT, author=officer)
            .select_related("incident")
            .order_by("created_at", "id")
        )
        fates = ["in_review", "changes_requested", "rejected", "scheduled", "retracted", "draft"]
        fates += ["published"] * max(len(drafts) - len(fates), 0)
        rng.shuffle(fates)
        with transaction.atomic():
            for post, fate in zip(drafts, fates, strict=False):
                if fate == "draft":
                    continue
                post = post_services.post_submit(acting_user=officer, post=post)
                if fate == "changes_requested":
                    post_services.post_request_changes(
                        acting_user=supervisor, post=post, reason="Say when the officers went, in plain words."
                    )
                elif fate == "rejected":
                    post_services.post_reject(
                        acting_user=supervisor, post=post, reason="This one does not need a public post."
                    )
                elif fate == "scheduled":
                    post_services.post_approve(
                        acting_user=supervisor,
                        post=post,
                        publish_at=timezone.now() + timedelta(hours=rng.randint(2, 30)),
                    )
                elif fate in ("published", "retracted"):
                    post = post_services.post_approve(acting_user=supervisor, post=post)
                    when = min(post.created_at + timedelta(hours=rng.uniform(1, 30)), timezone.now())
                    Post.objects.filter(pk=post.pk).update(published_at=when, publish_at=when, updated_at=when)
                    PostEvent.objects.filter(post=post, from_status=PostStatus.APPROVED).update(created_at=when)
                    if fate == "retracted":
                        post_services.post_retract(
                            acting_user=supervisor,
                            post=post,
                            reason="Posted about the wrong report. The right update follows.",
                        )
            post_services.post_create_alert(
                acting_user=supervisor,
                precinct=precinct,
                body="Water main work closes part of the area until 6 pm today. Use other streets if you can.",
                publish_now=True,
            )

    def _demo_plans(self, rng, profile, categories, now) -> list["DemoPlan"]:
        active = [c for c in demo_data.CATEGORIES if categories[c.slug].is_active]
        if not active:
            raise CommandError("Every demo category is inactive; activate at least one in the admin.")
        weights = [c.weight for c in active]
        plans = []
        counters = {"resolved": 0, "no_action": 0}
        for story, count in DEMO_STORIES:
            for _ in range(count):
                outcome = ""
                if story in ("resolved", "reopened", "reopened_resolved"):
                    # Cycle through every outcome first, then pick ones that suit the category.
                    outcome = RESOLVED_OUTCOMES[counters["resolved"] % len(RESOLVED_OUTCOMES)]
                    counters["resolved"] += 1
                    fitting = [c for c in active if outcome in c.resolved_outcomes] or active
                    cat = rng.choices(fitting, [c.weight for c in fitting])[0]
                else:
                    cat = rng.choices(active, weights)[0]
                if story == "no_action":
                    outcome = NO_ACTION_OUTCOMES[counters["no_action"] % len(NO_ACTION_OUTCOMES)]
                    counters["no_action"] += 1
                low, high = AGE_DAYS[story]
                plans.append(
                    DemoPlan(
                        story=story,
                        category=cat,
                        category_obj=categories[cat.slug],
                        outcome=outcome,
                        fields=demo_data.report(rng, profile, cat),
                        reported_at=now - timedelta(days=rng.uniform(low, high)),
                    )
                )
        # A duplicate repeats an earlier report of the same precinct: same
        # category and place, another resident, a little later.
        originals = [
            p
            for p in plans
            if p.story not in ("duplicate", "new", "new_noted") and p.reported_at < now - timedelta(days=4)
        ]
        for plan in plans:
            if plan.story != "duplicate":
                continue
            original = rng.choice(originals)
            plan.original = original
            plan.category, plan.category_obj = original.category, original.category_obj
            plan.fields["public_summary"] = rng.choice(original.category.summaries)
            plan.fields["internal_narrative"] = plan.fields["internal_narrative"].replace(
                plan.fields["exact_address"], original.fields["exact_address"]
            )
            for key in ("public_location", "exact_address", "exact_latitude", "exact_longitude"):
                plan.fields[key] = original.fields[key]
            plan.reported_at = original.reported_at + timedelta(hours=rng.uniform(1, 72))
        # Log in the order reported, so that originals exist before their duplicates.
        plans.sort(key=lambda p: p.reported_at)
        return plans

    def _demo_incident(self, plan, precinct, officer, supervisor, rng, now) -> None:
        f = plan.fields
        steps = self._demo_steps(plan, officer, supervisor, rng)
        # Times: logged shortly after the report, then one gap per step; squeezed
        # into the time left before now if the story would run into the future.
        quick = f["source"] in QUICK_SOURCES
        lag = timedelta(hours=rng.uniform(0.05, 0.7) if quick else rng.uniform(0.5, 20))
        times = [plan.reported_at + lag]
        for gap, _, _ in steps:
            times.append(times[-1] + timedelta(hours=rng.uniform(*GAP_HOURS[gap])))
        latest = now - timedelta(minutes=10)
        if times[-1] > latest:
            span = max(latest - plan.reported_at, timedelta(minutes=len(times)))
            scale = span / (times[-1] - plan.reported_at)
            times = [plan.reported_at + (t - plan.reported_at) * scale for t in times]

        creator = officer if rng.random() < 0.8 else supervisor
        incident = incident_create(
            acting_user=creator,
            precinct=precinct,
            category=plan.category_obj,
            public_summary=f["public_summary"],
            public_location=f["public_location"],
            reported_at=plan.reported_at,
            source=f["source"],
            priority=f["priority"],
            reporter_name=f["reporter_name"],
            reporter_phone=f["reporter_phone"],
            reporter_email=f["reporter_email"],
            exact_address=f["exact_address"],
            internal_narrative=f["internal_narrative"],
            involved_names=f["involved_names"],
            assignee=officer if f["source"] == Source.PATROL else None,
        )
        # The services draw a random reference; the demo's are fixed (see _demo_incidents).
        Incident.objects.filter(pk=incident.pk).update(
            reference=plan.reference, exact_latitude=f["exact_latitude"], exact_longitude=f["exact_longitude"]
        )
        AuditEntry.objects.filter(
            object_type="incident", object_id=str(incident.pk), action=AuditEntry.Action.INCIDENT_CREATED
        ).update(detail={"reference": plan.reference})
        incident.reference = plan.reference
        plan.incident = incident

        closed_at = None
        drafted_at = []  # closing a report drafts its public post (services.followup_add)
        for (_, actor, change), when in zip(steps, times[1:], strict=True):
            followup_add(acting_user=actor, incident=incident, expected_version=incident.version, change=change)
            if change.to_status:
                closed_at = when if change.to_status in CLOSED_STATUSES else None
                if change.to_status in (Status.RESOLVED, Status.REFERRED, Status.NO_ACTION):
                    drafted_at.append(when)

        # Backdate: the services stamp everything with now; the demo should look
        # like months of work. QuerySet.update leaves FollowUp.save's
        # append-only guard alone, on purpose: these rows were just written.
        followup_ids = FollowUp.objects.filter(incident=incident).order_by("id").values_list("id", flat=True)
        audit_ids = (
            AuditEntry.objects.filter(object_type="incident", object_id=str(incident.pk))
            .order_by("id")
            .values_list("id", flat=True)
        )
        FollowUp.objects.bulk_update(
            [FollowUp(pk=pk, created_at=t) for pk, t in zip(followup_ids, times, strict=True)], ["created_at"]
        )
        # One audit entry per follow-up, in the same order; any extra ones get the last time.
        AuditEntry.objects.bulk_update(
            [AuditEntry(pk=pk, created_at=times[min(i, len(times) - 1)]) for i, pk in enumerate(audit_ids)],
            ["created_at"],
        )
        post_ids = Post.objects.filter(incident=incident).order_by("id").values_list("id", flat=True)
        for post_id, when in zip(post_ids, drafted_at, strict=False):
            Post.objects.filter(pk=post_id).update(created_at=when, updated_at=when)
            PostEvent.objects.filter(post_id=post_id).update(created_at=when)
        Incident.objects.filter(pk=incident.pk).update(
            created_at=times[0], updated_at=times[-1], last_activity_at=times[-1], resolved_at=closed_at
        )

    def _demo_steps(self, plan, officer, supervisor, rng) -> list[tuple[str, object, Change]]:
        """The follow-ups of one demo incident: (gap kind, acting user, change)."""
        f, story, cat = plan.fields, plan.story, plan.category
        closer = officer if rng.random() < 0.7 else supervisor

        def investigate():
            return (
                "investigating",
                officer,
                Change(
                    to_status=Status.INVESTIGATING,
                    assignee=officer if rng.random() < 0.85 else supervisor,
                    internal_note=demo_data.fill(rng.choice(demo_data.INVESTIGATING_INTERNAL), f),
                    public_note=rng.choice(demo_data.INVESTIGATING_PUBLIC),
                ),
            )

        def resolve(outcome):
            return (
                "close",
                closer,
                Change(
                    to_status=Status.RESOLVED,
                    outcome=outcome,
                    internal_note=demo_data.fill(demo_data.RESOLVED_INTERNAL[outcome], f),
                    public_note=rng.choice(demo_data.RESOLVED_PUBLIC[outcome]),
                ),
            )

        def note():
            return ("note", officer, Change(internal_note=demo_data.fill(rng.choice(demo_data.NOTE_INTERNAL), f)))

        if story == "new":
            return []
        if story == "new_noted":
            return [note()]
        if story == "duplicate":
            reference = plan.original.reference
            change = Change(
                to_status=Status.DUPLICATE,
                duplicate_of_reference=reference,
                internal_note=demo_data.fill(demo_data.DUPLICATE_INTERNAL, f, reference=reference),
                public_note=demo_data.DUPLICATE_PUBLIC.format(reference=reference),
            )
            return [("duplicate", officer, change)]
        steps = [investigate()]
        if story == "investigating":
            return steps + ([note()] if rng.random() < 0.5 else [])
        if story == "action_scheduled" or (story == "resolved" and rng.random() < 0.3):
            steps.append(
                (
                    "action_scheduled",
                    officer,
                    Change(
                        to_status=Status.ACTION_SCHEDULED,
                        internal_note=demo_data.fill(rng.choice(demo_data.SCHEDULED_INTERNAL), f),
                        public_note=rng.choice(demo_data.SCHEDULED_PUBLIC),
                    ),
                )
            )
            if story == "action_scheduled":
                return steps
        if story == "referred":
            agency = rng.choice(cat.agencies)
            change = Change(
                to_status=Status.REFERRED,
                referred_to=agency,
                internal_note=demo_data.fill(demo_data.REFERRED_INTERNAL, f, agency=agency),
                public_note=demo_data.REFERRED_PUBLIC.format(agency=agency),
            )
            return steps + [("close", closer, change)]
        if story == "no_action":
            change = Change(
                to_status=Status.NO_ACTION,
                outcome=plan.outcome,
                internal_note=demo_data.fill(demo_data.NO_ACTION_INTERNAL[plan.outcome], f),
                public_note=demo_data.NO_ACTION_PUBLIC[plan.outcome],
            )
            return steps + [("close", closer, change)]
        steps.append(resolve(plan.outcome))
        if story in ("reopened", "reopened_resolved"):
            reopen = Change(
                to_status=Status.INVESTIGATING,
                internal_note=demo_data.fill(demo_data.REOPEN_INTERNAL, f),
                public_note=demo_data.REOPEN_PUBLIC,
            )
            steps.append(("reopen", supervisor, reopen))
            if story == "reopened_resolved":
                steps.append(resolve(rng.choice(cat.resolved_outcomes)))
        return steps


@dataclass(eq=False)
class DemoPlan:
    story: str
    category: demo_data.CategoryProfile
    category_obj: Category
    outcome: str
    fields: dict
    reported_at: datetime
    reference: str = ""
    original: "DemoPlan | None" = None
    incident: Incident | None = field(default=None, repr=False)


# --- bulk loading ------------------------------------------------------------------------

INCIDENT_FIELDS = (
    "id",
    "precinct",
    "reference",
    "category",
    "status",
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
)
FOLLOWUP_FIELDS = (
    "incident",
    "author",
    "created_at",
    "internal_note",
    "public_note",
    "from_status",
    "to_status",
    "outcome",
    "referred_to",
    "duplicate_of",
    "assigned_from",
    "assigned_to",
    "changed_assignee",
)
# How many recent incidents per precinct a bulk duplicate may point at.
ORIGINALS_KEPT = 2_000


class Original(NamedTuple):
    """An incident a bulk duplicate may point at."""

    id: int
    reference: str
    reported_at: datetime
    category_index: int  # into BulkLoader.categories; -1 for a category no longer active


@dataclass
class BulkPrecinct:
    id: int
    profile: demo_data.PrecinctProfile
    officers: list[int]
    supervisors: list[int]
    originals: list[Original]  # recent non-duplicate incidents


class BulkLoader:
    """Loads incidents and their follow-ups in batches, one transaction per batch."""

    def __init__(self, command: Command, *, seed: int, batch_size: int):
        self.command = command
        self.batch_size = batch_size
        self.seed = seed
        self.postgres = connection.vendor == "postgresql"
        self.incident_columns = self._columns(Incident, INCIDENT_FIELDS)
        self.followup_columns = self._columns(FollowUp, FOLLOWUP_FIELDS)
        self.copy_types = {}
        if self.postgres:
            # Binary COPY needs each column's type; it spares both sides the text parsing.
            for model, columns in ((Incident, self.incident_columns), (FollowUp, self.followup_columns)):
                table = model._meta.db_table
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
                        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                        [table],
                    )
                    types = dict(cursor.fetchall())
                self.copy_types[table] = [types[c] for c in columns]

    @staticmethod
    def _columns(model, names) -> list[str]:
        return [model._meta.get_field(name).column for name in names]

    def load(self, n: int, *, precinct_slug: str | None) -> None:
        categories = list(Category.objects.filter(is_active=True).order_by("pk"))
        if not categories:
            raise CommandError("No active category to file incidents under.")
        self.categories = [
            (c.pk, demo_data.CATEGORIES_BY_SLUG.get(c.slug, demo_data.GENERIC_CATEGORY)) for c in categories
        ]
        self.category_index = {c.pk: i for i, c in enumerate(categories)}
        precincts = self._precincts(precinct_slug)
        self.category_cum = list(accumulate(profile.weight for _, profile in self.categories))
        self.story_names = [s for s, _ in BULK_STORIES]
        self.story_cum = list(accumulate(w for _, w in BULK_STORIES))
        self.precincts = precincts
        # Same seed and same starting point, same rows (references aside: those
        # must stay unguessable, so they come from `secrets`).
        start = Incident.objects.aggregate(m=Max("id"))["m"] or 0
        self.rng = random.Random(f"{self.seed}:{start}")

        started = time.monotonic()
        loaded = followups = 0
        self.now = timezone.now()
        with tqdm(
            total=n, unit=" incidents", unit_scale=True, file=sys.stderr, disable=self.command.verbosity == 0
        ) as bar:
            while loaded < n:
                size = min(self.batch_size, n - loaded)
                with transaction.atomic():
                    followups += self._batch(size)
                loaded += size
                bar.update(size)
        if self.postgres:
            with connection.cursor() as cursor:
                # Fresh planner statistics, so the desk is fast straight away.
                cursor.execute(f"ANALYZE {Incident._meta.db_table}, {FollowUp._meta.db_table}")
        elapsed = time.monotonic() - started
        self.command._say(
            f"Loaded {loaded:,} incidents and {followups:,} follow-ups in {elapsed:.1f} s "
            f"({loaded / elapsed:,.0f} incidents/s, {(loaded + followups) / elapsed:,.0f} rows/s)."
        )

    def _precincts(self, slug: str | None) -> list[BulkPrecinct]:
        # By default only the demo precincts: real ones, if any, are left alone.
        demo_slugs = [p.slug for p in demo_data.PRECINCTS]
        queryset = (
            Precinct.objects.filter(slug=slug) if slug else Precinct.objects.active().filter(slug__in=demo_slugs)
        )
        if slug and not queryset.exists():
            raise CommandError(f"No precinct with slug {slug!r}.")
        result = []
        for precinct in queryset.order_by("pk"):
            roles = list(Membership.objects.filter(precinct=precinct).order_by("pk").values_list("user_id", "role"))
            officers = [u for u, r in roles if r == Membership.Role.OFFICER]
            supervisors = [u for u, r in roles if r == Membership.Role.SUPERVISOR]
            if not roles:
                if slug:
                    raise CommandError(f"Precinct {slug!r} has no staff to log incidents; add a membership.")
                continue
            originals = list(
                Incident.objects.filter(precinct=precinct)
                .exclude(status=Status.DUPLICATE)
                .order_by("-id")
                .values_list("id", "reference", "reported_at", "category_id")[:ORIGINALS_KEPT]
            )
            result.append(
                BulkPrecinct(
                    id=precinct.pk,
                    profile=demo_data.PROFILES_BY_SLUG.get(precinct.slug, demo_data.GENERIC_PROFILE),
                    officers=officers or supervisors,
                    supervisors=supervisors or officers,
                    originals=[Original(pk, ref, at, self.category_index.get(c, -1)) for pk, ref, at, c in originals],
                )
            )
        if not result:
            raise CommandError("No active demo precinct with staff to load incidents into.")
        return result

    # --- one batch ---

    def _batch(self, size: int) -> int:
        with connection.cursor() as cursor:
            ids = self._reserve_ids(cursor, size)
            references = self._fresh_references(cursor, size)
            followups: list[tuple] = []
            incidents = (self._incident(pk, ref, followups) for pk, ref in zip(ids, references, strict=True))
            # On PostgreSQL the incidents are generated while COPY streams them,
            # so Python and the server work side by side; follow-ups come after.
            self._write(cursor, Incident._meta.db_table, self.incident_columns, incidents)
            self._write(cursor, FollowUp._meta.db_table, self.followup_columns, followups)
        return len(followups)

    def _reserve_ids(self, cursor, size: int) -> list[int]:
        table = Incident._meta.db_table
        if self.postgres:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, size]
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the transaction holds the database's write lock (IMMEDIATE), so nobody else takes these.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 (a model's table name)
        first = cursor.fetchone()[0] + 1
        return list(range(first, first + size))

    def _fresh_references(self, cursor, size: int) -> list[str]:
        """`size` references used by no incident yet: unique in the batch, then checked in one query.

        Drawn as incidents.references.new_reference draws them (40 bits from
        `secrets`, Crockford base32), 5 bytes at a time for speed.
        """
        references: set[str] = set()
        while True:
            missing = size - len(references)
            if missing <= 0:
                taken = self._taken(cursor, references)
                if not taken:
                    return list(references)
                references -= taken
                continue
            raw = secrets.token_bytes(5 * missing)
            for i in range(0, len(raw), 5):
                value = int.from_bytes(raw[i : i + 5], "big")
                references.add("".join(ALPHABET[(value >> shift) & 31] for shift in range(35, -1, -5)))

    def _taken(self, cursor, references: set[str]) -> set[str]:
        table = Incident._meta.db_table
        if self.postgres:
            cursor.execute(f"SELECT reference FROM {table} WHERE reference = ANY(%s)", [list(references)])  # noqa: S608
            return {row[0] for row in cursor.fetchall()}
        taken, chunk = set(), list(references)
        for i in range(0, len(chunk), 500):  # SQLite caps the number of query parameters
            part = chunk[i : i + 500]
            cursor.execute(
                f"SELECT reference FROM {table} WHERE reference IN ({', '.join(['%s'] * len(part))})",  # noqa: S608
                part,
            )
            taken.update(row[0] for row in cursor.fetchall())
        return taken

    def _write(self, cursor, table: str, columns: list[str], rows) -> None:
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        if self.postgres:
            # The Django cursor wraps a psycopg 3 cursor, which speaks COPY.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(self.copy_types[table])
                for row in rows:
                    copy.write_row(row)
            return
        adapt = connection.ops.adapt_datetimefield_value
        rows = [tuple(adapt(v) if isinstance(v, datetime) else v for v in row) for row in rows]
        if not rows:
            return
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)  # noqa: S608

    def _incident(self, pk: int, reference: str, followups: list) -> tuple:
        """One incident row; its follow-up rows go to `followups`. Both keep the services' rules."""
        rng, now = self.rng, self.now
        precinct = self.precincts[rng.randrange(len(self.precincts))]
        story = self.story_names[bisect(self.story_cum, rng.random() * self.story_cum[-1])]
        category_index = bisect(self.category_cum, rng.random() * self.category_cum[-1])
        original = None
        if story == "duplicate":
            if precinct.originals:
                original = precinct.originals[rng.randrange(len(precinct.originals))]
                if original.category_index >= 0:
                    category_index = original.category_index
            else:
                story = "new"
        category_id, category = self.categories[category_index]
        f = demo_data.report(rng, precinct.profile, category)

        if original is not None:
            reported_at = min(original.reported_at + timedelta(hours=rng.uniform(1, 72)), now)
        else:
            low, high = AGE_DAYS[story]
            reported_at = now - timedelta(days=rng.uniform(low, high))
        officer = precinct.officers[rng.randrange(len(precinct.officers))]
        supervisor = precinct.supervisors[rng.randrange(len(precinct.supervisors))]
        creator = officer if rng.random() < 0.8 else supervisor
        quick = f["source"] in QUICK_SOURCES
        logged_at = min(reported_at + timedelta(hours=rng.uniform(0.05, 0.7) if quick else rng.uniform(0.5, 20)), now)
        assignee = officer if f["source"] == Source.PATROL else None
        status, outcome, referred_to, duplicate_of, resolved_at = Status.NEW.value, "", "", None, None
        rows = [
            (pk, creator, logged_at, "Report logged.", "", "", status, "", "", None, None, assignee, bool(assignee))
        ]
        at = logged_at

        def step(gap, author, internal_note, public_note="", to_status="", **changes):
            # One follow-up, `gap` after the previous one (never after now), as
            # followup_add would write it; returns its time.
            nonlocal at
            low, high = GAP_HOURS[gap]
            at = min(at + timedelta(hours=rng.uniform(low, high)), now)
            rows.append(
                (
                    pk,
                    author,
                    at,
                    internal_note,
                    public_note,
                    status if to_status else "",
                    to_status,
                    changes.get("outcome", ""),
                    changes.get("referred_to", ""),
                    changes.get("duplicate_of"),
                    changes.get("assigned_from"),
                    changes.get("assigned_to"),
                    "assigned_to" in changes,
                )
            )
            return at

        if story == "new_noted":
            step("note", officer, demo_data.fill(rng.choice(demo_data.NOTE_INTERNAL), f))
        elif story == "duplicate":
            outcome, duplicate_of = Outcome.DUPLICATE.value, original.id
            resolved_at = step(
                "duplicate",
                officer,
                demo_data.fill(demo_data.DUPLICATE_INTERNAL, f, reference=original.reference),
                demo_data.DUPLICATE_PUBLIC.format(reference=original.reference),
                Status.DUPLICATE.value,
                outcome=outcome,
                duplicate_of=duplicate_of,
            )
            status = Status.DUPLICATE.value
        elif story != "new":
            # At most three follow-ups: a reopened one goes straight from new to resolved.
            if story in ("investigating", "action_scheduled") or (story != "reopened" and rng.random() < 0.5):
                new_assignee = officer if rng.random() < 0.85 else supervisor
                step(
                    "investigating",
                    officer,
                    demo_data.fill(rng.choice(demo_data.INVESTIGATING_INTERNAL), f),
                    rng.choice(demo_data.INVESTIGATING_PUBLIC),
                    Status.INVESTIGATING.value,
                    **({"assigned_from": assignee, "assigned_to": new_assignee} if new_assignee != assignee else {}),
                )
                status, assignee = Status.INVESTIGATING.value, new_assignee
            if story == "investigating":
                if rng.random() < 0.4:
                    step("note", officer, demo_data.fill(rng.choice(demo_data.NOTE_INTERNAL), f))
            elif story == "action_scheduled":
                step(
                    "action_scheduled",
                    officer,
                    demo_data.fill(rng.choice(demo_data.SCHEDULED_INTERNAL), f),
                    rng.choice(demo_data.SCHEDULED_PUBLIC),
                    Status.ACTION_SCHEDULED.value,
                )
                status = Status.ACTION_SCHEDULED.value
            elif story in ("resolved", "reopened"):
                outcome = rng.choice(category.resolved_outcomes)
                resolved_at = step(
                    "close",
                    creator,
                    demo_data.fill(demo_data.RESOLVED_INTERNAL[outcome], f),
                    rng.choice(demo_data.RESOLVED_PUBLIC[outcome]),
                    Status.RESOLVED.value,
                    outcome=outcome,
                )
                status = Status.RESOLVED.value
                if story == "reopened":
                    step(
                        "reopen",
                        supervisor,
                        demo_data.fill(demo_data.REOPEN_INTERNAL, f),
                        demo_data.REOPEN_PUBLIC,
                        Status.INVESTIGATING.value,
                    )
                    status, outcome, resolved_at = Status.INVESTIGATING.value, "", None
            elif story == "referred":
                outcome, referred_to = Outcome.REFERRED.value, rng.choice(category.agencies)
                resolved_at = step(
                    "close",
                    creator,
                    demo_data.fill(demo_data.REFERRED_INTERNAL, f, agency=referred_to),
                    demo_data.REFERRED_PUBLIC.format(agency=referred_to),
                    Status.REFERRED.value,
                    outcome=outcome,
                    referred_to=referred_to,
                )
                status = Status.REFERRED.value
            elif story == "no_action":
                outcome = rng.choice(NO_ACTION_OUTCOMES)
                resolved_at = step(
                    "close",
                    creator,
                    demo_data.fill(demo_data.NO_ACTION_INTERNAL[outcome], f),
                    demo_data.NO_ACTION_PUBLIC[outcome],
                    Status.NO_ACTION.value,
                    outcome=outcome,
                )
                status = Status.NO_ACTION.value

        row = (
            pk,
            precinct.id,
            reference,
            category_id,
            status,
            f["public_summary"],
            f["public_location"],
            reported_at,
            resolved_at,
            f["reporter_name"],
            f["reporter_phone"],
            f["reporter_email"],
            f["exact_address"],
            Decimal(f["exact_latitude"]),
            Decimal(f["exact_longitude"]),
            f["internal_narrative"],
            f["involved_names"],
            f["source"],
            f["priority"],
            assignee,
            creator,
            outcome,
            referred_to,
            duplicate_of,
            logged_at,  # created_at
            at,  # updated_at
            at,  # last_activity_at: the latest follow-up
            len(rows),  # version: 1, plus one per follow-up after the first
        )
        followups.extend(rows)
        if story != "duplicate":
            entry = Original(pk, reference, reported_at, category_index)
            if len(precinct.originals) < ORIGINALS_KEPT:
                precinct.originals.append(entry)
            else:
                precinct.originals[rng.randrange(ORIGINALS_KEPT)] = entry
        return row
