"""Benchmark data that `seed_demo` does not make: run by bench/run.py as a Django script.

    python -m bench.load setup --precincts 50 --password PW
    python -m bench.load incidents --busy midtown-north --busy-count N --others-count M --password PW
    python -m bench.load posts --per-incident 0.3
    python -m bench.load info --busy midtown-north
    python -m bench.load invalidation --busy midtown-north --base-url http://127.0.0.1:PORT

`setup` adds precincts (with an officer and a supervisor each) until there are
`--precincts`, the shipped post templates, and a supervisor of three precincts
(SEVERAL: the busiest and two more). `incidents` calls
`seed_demo --incidents N --precinct SLUG` once per precinct: N = busy-count
for the busiest precinct, others-count spread evenly over the others. `posts` gives closed incidents
(resolved, referred, no action) that have no post yet a published resolution
post, COPYed in, until public posts number `--per-incident` times the
incidents. No PostEvent rows are written for them: no page, feed or list the
benchmark measures reads post events (only the desk's post history does).
`info` prints, as JSON, the counts and the URLs' parameters (a deep cursor, a
report reference). `invalidation` checks, against a running server with the
page cache on, that a published and a withdrawn post show at once.
"""

import argparse
import hashlib
import json
import os
import random
import sys
import time
import urllib.request
from datetime import timedelta

# A supervisor of several precincts (the desk's lists for them merge one ordered read per precinct).
SEVERAL = "supervisor-three-precincts"
SEVERAL_PRECINCTS = ("midtown-north", "harbor", "riverside")


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


# --- setup ---------------------------------------------------------------------------


def setup(precinct_count: int, password: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from incidents.post_templates import seed_post_templates
    from precincts.models import Membership, Precinct

    user_model = get_user_model()
    started = time.monotonic()
    templates = seed_post_templates()
    encoded = make_password(password)
    created = 0
    with transaction.atomic():
        i = 0
        while Precinct.objects.filter(is_active=True).count() < precinct_count:
            i += 1
            slug = f"bench-{i:02d}"
            precinct, made = Precinct.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": f"Precinct {i:02d}",
                    "code": f"B{i:02d}",
                    "area": f"Neighbourhoods of district {i:02d}",
                    "address": f"{100 + i} Main St",
                    "phone": "(212) 555-0100",
                    "about": "A precinct added by the benchmark.",
                    "timezone": "America/New_York",
                },
            )
            created += made
            for role in (Membership.Role.OFFICER, Membership.Role.SUPERVISOR):
                username = f"{role}-{slug}"
                user, _ = user_model.objects.get_or_create(
                    username=username,
                    defaults={
                        "first_name": role.label,
                        "last_name": f"Bench {i:02d}",
                        "email": f"{username}@example.org",
                        "password": encoded,
                    },
                )
                Membership.objects.get_or_create(user=user, precinct=precinct, defaults={"role": role})
        # A supervisor of three precincts, the busiest among them: the desk's lists for staff of several.
        several, _ = user_model.objects.get_or_create(
            username=SEVERAL,
            defaults={"first_name": "Supervisor", "last_name": "Of Three", "password": encoded},
        )
        for slug in SEVERAL_PRECINCTS:
            precinct = Precinct.objects.get(slug=slug)
            Membership.objects.get_or_create(
                user=several, precinct=precinct, defaults={"role": Membership.Role.SUPERVISOR}
            )
    return {
        "precincts": Precinct.objects.filter(is_active=True).count(),
        "precincts_created": created,
        "templates_created": templates,
        "seconds": round(time.monotonic() - started, 1),
    }


# --- incidents -----------------------------------------------------------------------


def incidents(busy: str, busy_count: int, others_count: int, password: str) -> dict:
    """Bulk incidents through seed_demo, one precinct at a time (its default spreads over the demo three)."""
    import io

    from django.core.management import call_command
    from tqdm import tqdm

    from precincts.models import Precinct

    started = time.monotonic()
    others = list(
        Precinct.objects.filter(is_active=True).exclude(slug=busy).order_by("pk").values_list("slug", flat=True)
    )
    plan = []
    for i, slug in enumerate(others):
        share = others_count // len(others) + (1 if i < others_count % len(others) else 0)
        if share:
            plan.append((slug, share))
    timings = {}
    if busy_count:
        # The busiest precinct first, with seed_demo's own progress bar.
        began = time.monotonic()
        print(f"seed_demo --incidents {busy_count} --precinct {busy}", file=sys.stderr, flush=True)
        call_command("seed_demo", incidents=busy_count, precinct=busy, password=password, stdout=io.StringIO())
        timings[busy] = round(time.monotonic() - began, 1)
    rest = plan
    if rest:
        began = time.monotonic()
        with tqdm(total=sum(c for _, c in rest), unit=" incidents", unit_scale=True, file=sys.stderr) as bar:
            for slug, count in rest:
                bar.set_postfix_str(slug)
                call_command(
                    "seed_demo", incidents=count, precinct=slug, password=password, verbosity=0, stdout=io.StringIO()
                )
                bar.update(count)
        timings["others"] = round(time.monotonic() - began, 1)
    return {
        "busy": busy_count,
        "others": others_count,
        "precincts": len(plan) + bool(busy_count),
        "timings": timings,
        "seconds": round(time.monotonic() - started, 1),
    }


# --- posts ---------------------------------------------------------------------------

POST_COLUMNS = (
    "precinct_id",
    "incident_id",
    "kind",
    "category_id",
    "body",
    "status",
    "author_id",
    "reviewer_id",
    "approved_hash",
    "publish_at",
    "published_at",
    "review_comment",
    "retracted_at",
    "retraction_reason",
    "needs_after_review",
    "after_reviewed_by_id",
    "created_at",
    "updated_at",
    "version",
)
CHUNK = 20_000


def posts(per_incident: float, seed: int) -> dict:
    """Published resolution posts for closed incidents, COPYed in, up to `per_incident` × incidents."""
    import zoneinfo

    from django.db import connection, transaction
    from django.utils import timezone
    from tqdm import tqdm

    from incidents import drafting
    from incidents.models import PUBLIC_POST_STATUSES, Category, Incident, Outcome, Post, PostTemplate, Status
    from precincts.models import Membership, Precinct

    started = time.monotonic()
    incidents = Incident.objects.count()
    existing = Post.objects.filter(status__in=PUBLIC_POST_STATUSES).count()
    need = round(per_incident * incidents) - existing
    result = {"incidents": incidents, "posts_before": existing, "posts_added": 0}
    if need <= 0:
        result["seconds"] = round(time.monotonic() - started, 1)
        return result

    closing = (Status.RESOLVED, Status.REFERRED, Status.NO_ACTION)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.id FROM incidents_incident i WHERE i.status = ANY(%s) AND i.resolved_at IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM incidents_post p WHERE p.incident_id = i.id) ORDER BY i.id",
            [list(closing)],
        )
        eligible = [row[0] for row in cursor.fetchall()]
    rng = random.Random(f"{seed}:{len(eligible)}:{incidents}")
    chosen = rng.sample(eligible, min(need, len(eligible)))
    chosen.sort()

    templates = {(t.category_id, t.outcome): t.body for t in PostTemplate.objects.all()}
    staff: dict[int, dict[str, list[int]]] = {}
    for user_id, precinct_id, role in Membership.objects.values_list("user_id", "precinct_id", "role"):
        staff.setdefault(precinct_id, {"officer": [], "supervisor": []})[role].append(user_id)
    precincts = {p.pk: p for p in Precinct.objects.all()}
    zones = {pk: zoneinfo.ZoneInfo(p.timezone) for pk, p in precincts.items()}
    categories = dict(Category.objects.values_list("id", "name"))
    now = timezone.now()
    columns = ", ".join(POST_COLUMNS)

    def rows(details):
        for pk, precinct_id, category_id, outcome, referred_to, location, reported_at, resolved_at, note in details:
            tz = zones[precinct_id]
            context = {
                "category": categories[category_id].lower(),
                "location": location,
                "reported_date": drafting._date(reported_at, tz),
                "closed_date": drafting._date(resolved_at, tz),
                "outcome": Outcome(outcome).label.lower(),
                "agency": referred_to,
                "public_note": note or "",
            }
            template = templates.get((category_id, outcome)) or templates.get((None, outcome)) or drafting.FALLBACK
            body = drafting.render(template, context)
            published_at = min(resolved_at + timedelta(hours=rng.uniform(1, 48)), now - timedelta(minutes=1))
            published_at = max(published_at, resolved_at)
            people = staff[precinct_id]
            author = rng.choice(people["officer"] or people["supervisor"])
            reviewers = [u for u in people["supervisor"] if u != author] or [author]
            yield (
                precinct_id,
                pk,
                "resolution",
                category_id,
                body,
                "published",
                author,
                rng.choice(reviewers),
                hashlib.sha256(body.encode()).hexdigest(),
                published_at,
                published_at,
                "",
                None,
                "",
                False,
                None,
                resolved_at,
                published_at,
                4,  # draft → in review → approved → published
            )

    added = 0
    with tqdm(total=len(chosen), unit=" posts", unit_scale=True, file=sys.stderr) as bar:
        for start in range(0, len(chosen), CHUNK):
            ids = chosen[start : start + CHUNK]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT i.id, i.precinct_id, i.category_id, i.outcome, i.referred_to, i.public_location, "
                    "i.reported_at, i.resolved_at, (SELECT f.public_note FROM incidents_followup f "
                    "WHERE f.incident_id = i.id AND f.to_status = i.status "
                    "ORDER BY f.created_at DESC, f.id DESC LIMIT 1) "
                    "FROM incidents_incident i WHERE i.id = ANY(%s) ORDER BY i.id",
                    [ids],
                )
                details = cursor.fetchall()
                with cursor.cursor.copy(f"COPY incidents_post ({columns}) FROM STDIN") as copy:
                    for row in rows(details):
                        copy.write_row(row)
            added += len(ids)
            bar.update(len(ids))
    # Published posts move the precincts' public marker, as the services do.
    Precinct.objects.update(public_changed_at=timezone.now())
    result.update(posts_added=added, seconds=round(time.monotonic() - started, 1))
    return result


# --- info ----------------------------------------------------------------------------


def info(busy: str) -> dict:
    from django.db.models import Count

    from incidents.api.pagination import cursor_token
    from incidents.models import OPEN_STATUSES, PUBLIC_POST_STATUSES, FollowUp, Incident, Post
    from precincts.models import Precinct
    from tracker.keyset import encode_cursor

    precinct = Precinct.objects.get(slug=busy)
    timeline = Post.objects.filter(precinct=precinct, status__in=PUBLIC_POST_STATUSES).order_by("-published_at", "-id")
    busy_posts = timeline.count()
    # The deep page: the one that starts half-way down the precinct's timeline.
    middle = timeline.only("id", "published_at")[busy_posts // 2]
    # The report page: the report of the newest resolution post, which has public notes and a post.
    report = timeline.filter(incident__isnull=False).select_related("incident").only("incident__reference")[5]
    category = (
        Post.objects.filter(precinct=precinct, status__in=PUBLIC_POST_STATUSES, category__isnull=False)
        .values("category__slug")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    per_precinct = list(
        Incident.objects.values("precinct__slug").annotate(n=Count("id")).order_by("-n").values_list("n", flat=True)
    )
    return {
        "incidents": Incident.objects.count(),
        "followups": FollowUp.objects.count(),
        "public_posts": Post.objects.filter(status__in=PUBLIC_POST_STATUSES).count(),
        "precincts": Precinct.objects.filter(is_active=True).count(),
        "busy": busy,
        "busy_id": precinct.pk,
        "busy_incidents": Incident.objects.filter(precinct=precinct).count(),
        "busy_open": Incident.objects.filter(precinct=precinct, status__in=OPEN_STATUSES).count(),
        "busy_posts": busy_posts,
        "other_precincts_incidents_min_max": [min(per_precinct[1:] or [0]), max(per_precinct[1:] or [0])],
        "deep_cursor": encode_cursor(middle.published_at, middle.pk),
        "api_deep_cursor": cursor_token(middle.published_at, middle.pk),
        "deep_offset": busy_posts // 2,
        "report_reference": report.incident.reference,
        "category": category["category__slug"] if category else None,
        "officer": f"officer-{busy}",
        "supervisor": f"supervisor-{busy}",
        "several": SEVERAL,
    }


# --- invalidation --------------------------------------------------------------------


def _get(url: str, headers: dict | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers.get("ETag", ""), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("ETag", ""), ""


def _wait_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def invalidation(busy: str, base_url: str, revalidate_after: float = 0.0) -> dict:
    """Publish an alert and withdraw a post while the page cache is warm: both show at once? And an old
    ETag gets a 200 once `revalidate_after` seconds have passed (the server's PUBLIC_TOKEN_SECONDS)?"""
    from django.contrib.auth import get_user_model

    from incidents.models import PUBLIC_POST_STATUSES, Post, PostStatus
    from incidents.services.posts import post_create_alert, post_retract
    from precincts.models import Precinct

    precinct = Precinct.objects.get(slug=busy)
    supervisor = get_user_model().objects.get(username=f"supervisor-{busy}")
    token = "".join(random.choice("bcdfghjkmnpqrstvwxz") for _ in range(10))  # noqa: S311
    pages = {
        "timeline": f"{base_url}/precincts/{busy}/",
        "feed": f"{base_url}/precincts/{busy}/feed.atom",
        "api": f"{base_url}/api/v1/precincts/{busy}/posts/",
    }
    checks = []

    def warm():
        # Twice: the second answer comes from the cache; remember its ETag.
        etags = {}
        for name, url in pages.items():
            _get(url)
            etags[name] = _get(url)[1]
        return etags

    def check(what, expect, etags):
        changed = time.monotonic()
        found = {}
        for name, url in pages.items():
            # Shown at once: the first request after the change shows it (how long it took is recorded).
            first = time.monotonic() - changed
            while True:
                issued = time.monotonic() - changed
                status, _, body = _get(url)
                shown = expect(body)
                if shown or time.monotonic() - changed > first + 1:
                    break
                time.sleep(0.1)
            found[name] = (first, issued, status, shown)
        # Then the old ETags, once the revalidation window has passed.
        _wait_until(changed + revalidate_after)
        for name, url in pages.items():
            first, issued, status, shown = found[name]
            conditional = _get(url, {"If-None-Match": etags[name]})[0] if etags.get(name) else None
            checks.append(
                {
                    "change": what,
                    "page": name,
                    "status": status,
                    "shows_change": shown,
                    # When the first request that showed it was sent (its own rendering time not counted).
                    "after_s": round(issued, 2),
                    "old_etag_answer": conditional,
                    "ok": status == 200 and shown and issued <= first + 0.15 and conditional in (None, 200),
                }
            )

    etags = warm()
    body = f"Bench check {token}: the street fair on Main St closes the road until 6 pm today."
    alert = post_create_alert(acting_user=supervisor, precinct=precinct, body=body, publish_now=True)
    check("published", lambda page: token in page, etags)

    etags = warm()
    post = Post.objects.get(pk=alert.pk)
    post_retract(acting_user=supervisor, post=post, reason=f"Withdrawn by the benchmark ({token}).")
    check("withdrawn", lambda page: f"Withdrawn by the benchmark ({token})" in page, etags)

    # A withdrawn resolution post must show on its report page at once too.
    victim = (
        Post.objects.filter(precinct=precinct, status=PostStatus.PUBLISHED, incident__isnull=False)
        .select_related("incident")
        .order_by("-published_at", "-id")[10]
    )
    report_url = f"{base_url}/reports/{victim.incident.reference}/"
    _get(report_url)
    old_etag = _get(report_url)[1]
    post_retract(acting_user=supervisor, post=victim, reason=f"Report check by the benchmark ({token}).")
    changed = time.monotonic()
    while True:
        issued = time.monotonic() - changed
        status, _, page = _get(report_url)
        if f"Report check by the benchmark ({token})" in page or time.monotonic() - changed > 1:
            break
        time.sleep(0.1)
    _wait_until(changed + revalidate_after)
    old_etag_answer = _get(report_url, {"If-None-Match": old_etag})[0] if old_etag else None
    checks.append(
        {
            "change": "withdrawn",
            "page": "report",
            "status": status,
            "shows_change": f"Report check by the benchmark ({token})" in page,
            "after_s": round(issued, 2),
            "old_etag_answer": old_etag_answer,
            "ok": status == 200
            and issued <= 0.15
            and f"Report check by the benchmark ({token})" in page
            and old_etag_answer in (None, 200),
        }
    )
    assert Post.objects.filter(pk=victim.pk, status__in=PUBLIC_POST_STATUSES).exists()
    return {"ok": all(c["ok"] for c in checks), "checks": checks}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("setup")
    p.add_argument("--precincts", type=int, default=50)
    p.add_argument("--password", required=True)
    p = sub.add_parser("incidents")
    p.add_argument("--busy", required=True)
    p.add_argument("--busy-count", type=int, required=True)
    p.add_argument("--others-count", type=int, required=True)
    p.add_argument("--password", required=True)
    p = sub.add_parser("posts")
    p.add_argument("--per-incident", type=float, default=0.3)
    p.add_argument("--seed", type=int, default=2026)
    p = sub.add_parser("info")
    p.add_argument("--busy", required=True)
    p = sub.add_parser("invalidation")
    p.add_argument("--busy", required=True)
    p.add_argument("--base-url", required=True)
    p.add_argument(
        "--revalidate-after", type=float, default=0.0, help="Seconds after which an old ETag must get a 200."
    )
    args = parser.parse_args(argv)
    _django()
    if args.command == "setup":
        result = setup(args.precincts, args.password)
    elif args.command == "incidents":
        result = incidents(args.busy, args.busy_count, args.others_count, args.password)
    elif args.command == "posts":
        result = posts(args.per_incident, args.seed)
    elif args.command == "info":
        result = info(args.busy)
    else:
        result = invalidation(args.busy, args.base_url, args.revalidate_after)
    print("RESULT " + json.dumps(result, default=str))


if __name__ == "__main__":
    main()
