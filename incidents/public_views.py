"""What residents see. Public code paths read public fields only (incidents.public).

Every page answers conditional requests (ETag / Last-Modified → 304) and is
cached under a key that changes when a post of its precinct is published or
withdrawn; see tracker.conditional.
"""

from functools import cache

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from incidents import freshness, presentation, public, stats
from incidents.references import normalise_reference
from tracker.conditional import Scope, public_page
from tracker.keyset import decode_cursor

HOME_LATEST = 10


@require_safe
def home(request):
    # With the markers in the cache, a 304 or a cached page never loads the precincts.
    precincts_once = cache(lambda: list(public.public_precincts()))
    city = Scope("city", lambda: max((p.public_changed_at for p in precincts_once()), default=None))

    def render_page():
        precincts = precincts_once()
        rows = public.timeline_rows(precinct=None, category=None, cursor=None, size=HOME_LATEST).items
        cards = presentation.Cards()
        context = {"precincts": precincts, "latest": [cards.from_row(row) for row in rows], "links": cards.links}
        return render(request, "public/home.html", context, using="jinja2")

    return public_page(request, scopes=[city], render=render_page)


@require_safe
def timeline(request, slug):
    precinct_once = cache(lambda: public.public_precinct_row(slug))

    def render_page():
        precinct = precinct_once()
        categories = public.category_choices()
        chosen = next((c for c in categories if c.slug == request.GET.get("category")), None)
        page = public.timeline_rows(precinct=precinct, category=chosen, cursor=request.GET.get("before"))
        cards = presentation.Cards()
        return render(
            request,
            "public/timeline.html",
            {
                "precinct": precinct,
                "page": page,
                "cards": [cards.from_row(row) for row in page.items],
                "categories": categories,
                "chosen": chosen,
                "summary": stats.summary_strip(precinct),
                "is_first_page": decode_cursor(request.GET.get("before")) is None,
            },
            using="jinja2",
        )

    return public_page(request, scopes=[freshness.precinct_scope(slug, precinct_once)], render=render_page)


@require_safe
def precinct_stats(request, slug):
    precinct_once = cache(lambda: public.public_precinct(slug))

    def render_page():
        precinct = precinct_once()
        numbers = stats.precinct_numbers(precinct)
        categories = {c.pk: c.name for c in public.category_choices()}
        return render(
            request,
            "public/stats.html",
            {"precinct": precinct, "numbers": numbers, "categories": categories, "chart": _chart(numbers["trend"])},
            using="jinja2",
        )

    return public_page(request, scopes=[freshness.precinct_scope(slug, precinct_once)], render=render_page)


@require_safe
def post_detail(request, post_id):
    post_once = cache(lambda: public.public_post(post_id))

    def render_page():
        post = post_once()
        context = {"post": post, "precinct": post.precinct, "card": presentation.Cards().from_post(post)}
        return render(request, "public/post.html", context, using="jinja2")

    return public_page(request, scopes=[freshness.post_scope(post_id, post_once)], render=render_page)


@require_safe
def report_lookup(request):
    """The look-up box: a typed reference leads to its page, or to a friendly 404."""
    typed = request.GET.get("reference", "")
    reference = normalise_reference(typed)
    if reference is None:
        return render(request, "public/report_not_found.html", {"typed": typed}, status=404, using="jinja2")
    return redirect("report_detail", reference=reference)


@require_safe
def report_detail(request, reference):
    canonical = normalise_reference(reference)
    if canonical is not None and canonical != reference:
        return redirect("report_detail", reference=canonical)

    report_once = cache(lambda: public.public_report_row(reference))

    def render_page():
        context = {"report": public.public_report_rows(reference, report_once()), "links": presentation.Links()}
        return render(request, "public/report.html", context, using="jinja2")

    try:
        return public_page(request, scopes=[freshness.report_scope(reference, report_once)], render=render_page)
    except Http404:
        return render(request, "public/report_not_found.html", {"typed": reference}, status=404, using="jinja2")


def _chart(trend, width=640, height=240, pad_left=36, pad_bottom=28, pad_top=12):
    """Coordinates for the weekly trend chart (received vs resolved), drawn as SVG in the template."""
    if not trend:
        return None
    top = max(max(r, s) for _, r, s in trend) or 1
    step = (width - pad_left - 8) / max(len(trend) - 1, 1)
    plot_h = height - pad_bottom - pad_top

    def y(value):
        return round(pad_top + plot_h - plot_h * value / top, 1)

    received = " ".join(f"{round(pad_left + i * step, 1)},{y(r)}" for i, (_, r, _) in enumerate(trend))
    resolved = " ".join(f"{round(pad_left + i * step, 1)},{y(s)}" for i, (_, _, s) in enumerate(trend))
    ticks = [{"y": y(v), "label": v} for v in sorted({0, top // 2, top})]
    labels = [
        {"x": round(pad_left + i * step, 1), "label": f"{week:%b} {week.day}"}
        for i, (week, _, _) in enumerate(trend)
        if i % 4 == 0
    ]
    return {
        "width": width,
        "height": height,
        "received": received,
        "resolved": resolved,
        "ticks": ticks,
        "labels": labels,
        "axis_x": pad_left,
        "axis_y": height - pad_bottom,
        "right": width - 8,
        "label_y": height - 8,
    }


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /desk/",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /api/v1/auth/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
