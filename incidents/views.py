"""The officers' desk: server-rendered, works without JavaScript."""

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.shortcuts import redirect, render
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.views.decorators.http import require_http_methods
from markupsafe import Markup

from incidents import selectors, services
from incidents.forms import KEEP, FollowUpForm, IncidentFilterForm, IncidentForm
from incidents.models import Status
from incidents.presentation import month_day
from precincts import access, context_processors


@login_required
def incident_list(request):
    access.require_staff(request.user)
    precincts = access.precinct_names_for(request.user)
    categories = selectors.desk_categories()
    if request.GET:
        form = IncidentFilterForm(request.GET, precincts=list(precincts.items()), categories=categories)
        filters = form.cleaned_data if form.is_valid() else {}
        filter_form = _filter_form(_filter_fields(form), filtered=any(filters.values()))
    else:
        filters, filter_form = {}, _blank_filter_form(tuple(precincts.items()), categories)
    page = selectors.incident_desk_list(user=request.user, filters=filters, cursor=request.GET.get("after"))
    query = request.GET.copy()
    query.pop("after", None)
    # The desk's busiest page is rendered with Jinja2 (templates/jinja2/desk/), from strings
    # prepared here: with Django's engine, its form widgets (a template per <option>) and the
    # rows' filters cost several times the rest of the request.
    return render(
        request,
        "desk/incident_list.html",
        {
            **context_processors.desk(request),
            "messages": get_messages(request),
            "filter_form": filter_form,
            "rows": _desk_rows(page.items, categories=dict(categories), precincts=precincts),
            "page": page,
            "after": request.GET.get("after"),
            "filtered": any(filters.values()),
            "query_without_cursor": query.urlencode(),
        },
        using="jinja2",
    )


@dataclass(frozen=True, slots=True)
class FilterField:
    """A filter field as `BoundField.as_field_group` renders it: its label, errors and widget."""

    name: str
    id: str
    label: str
    errors: tuple[str, ...]
    checkbox: bool
    type: str | None
    value: str | None
    attrs: Mapping[str, object]  # the widget's HTML attributes, in order
    options: tuple[tuple[str, str, bool], ...]  # a <select>'s (value, label, selected)


@functools.lru_cache(maxsize=64)
def _blank_filter_form(precincts: tuple[tuple[int, str], ...], categories: tuple[tuple[int, str], ...]) -> Markup:
    """The filter form before any filter is chosen, which depends only on the choices.

    Most requests are for the plain list; they share this markup instead of building and rendering a form.
    """
    form = IncidentFilterForm(None, precincts=list(precincts), categories=list(categories))
    return _filter_form(_filter_fields(form), filtered=False)


def _filter_form(fields: dict[str, FilterField], *, filtered: bool) -> Markup:
    template = engines["jinja2"].env.get_template("desk/_filter_form.html")
    # An autoescaping template's output: every value in it was escaped as it was written.
    return Markup(template.render(fields=fields, filtered=filtered))  # noqa: S704


def _filter_fields(form) -> dict[str, FilterField]:
    fields = {}
    for bound in form:
        widget = bound.field.widget
        # What BoundField.as_widget passes to the widget, whose own context gives the rest.
        attrs = bound.build_widget_attrs({}, widget)
        if bound.auto_id and "id" not in widget.attrs:
            attrs.setdefault("id", bound.auto_id)
        context = widget.get_context(bound.html_name, bound.value(), attrs)["widget"]
        fields[bound.name] = FilterField(
            name=bound.html_name,
            id=bound.auto_id,
            label=bound.label,
            errors=tuple(bound.errors),
            checkbox=bound.widget_type == "checkbox",
            type=context.get("type"),
            value=context["value"],
            attrs=MappingProxyType(context["attrs"]),
            options=tuple(
                (option["value"], option["label"], option["selected"])
                for _, group, _ in context.get("optgroups", ())
                for option in group
            ),
        )
    return fields


@dataclass(slots=True)
class DeskRow:
    """A row of the list, every string ready."""

    reference: str
    url: str
    category: str
    summary: str
    location: str
    precinct: str | None  # only for staff of more than one precinct
    status: str
    status_label: str
    assignee: str | None
    reported_iso: str
    reported: str


def _desk_rows(items, *, categories: dict[int, str], precincts: dict[int, str]) -> list[DeskRow]:
    statuses = dict(Status.choices)
    # One reverse() for the page: references are URL-safe, so the rest is substitution.
    head, _, tail = reverse("desk:incident_detail", args=[_REFERENCE_SLOT]).rpartition(_REFERENCE_SLOT)
    several = len(precincts) > 1
    zone = timezone.get_current_timezone()
    rows = []
    for item in items:
        reported = item.reported_at.astimezone(zone)
        rows.append(
            DeskRow(
                reference=item.reference,
                url=f"{head}{item.reference}{tail}",
                category=categories[item.category_id],
                summary=_truncated(item.public_summary, 90),
                location=item.public_location,
                precinct=precincts[item.precinct_id] if several else None,
                status=item.status,
                status_label=statuses.get(item.status, item.status),
                assignee=_full_name_or_username(
                    item.assignee__first_name, item.assignee__last_name, item.assignee__username
                ),
                reported_iso=reported.isoformat(),
                reported=desk_time(reported),
            )
        )
    return rows


_REFERENCE_SLOT = "0123456789"


def _full_name_or_username(first: str | None, last: str | None, username: str | None) -> str | None:
    """What `user.get_full_name|default:user.get_username` prints; None without a user."""
    if username is None:
        return None
    return f"{first} {last}".strip() or username


def _truncated(text: str, length: int) -> str:
    """Django's `truncatechars`; most summaries are short and ASCII, which it returns as they are."""
    return text if len(text) <= length and text.isascii() else Truncator(text).chars(length)


def desk_time(moment) -> str:
    """Django's "M j, g:i a" in English (the desk, like the public pages, is in English only): "Nov 25, 11:05 a.m."."""
    hour = moment.hour % 12 or 12
    return f"{month_day(moment)}, {hour}:{moment.minute:02d} {'p.m.' if moment.hour > 11 else 'a.m.'}"


@login_required
@require_http_methods(["GET", "POST"])
def incident_create(request):
    access.require_staff(request.user)
    precincts = list(access.precincts_for(request.user))
    form = IncidentForm(request.POST if request.method == "POST" else None, precincts=precincts)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        precinct = next(p for p in precincts if p.pk == data["precinct"])
        try:
            incident = services.incident_create(
                acting_user=request.user,
                precinct=precinct,
                assignee=request.user if data["assign_to_me"] else None,
                **{name: data[name] for name in IncidentForm.Meta.fields},
            )
        except services.Refused as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        else:
            messages.success(request, f"Report {incident.reference} logged. Give the resident this reference.")
            return redirect("desk:incident_detail", reference=incident.reference)
    return render(request, "desk/incident_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def incident_detail(request, reference):
    incident = selectors.incident_for_desk(user=request.user, reference=reference)
    staff = selectors.precinct_staff(incident.precinct_id)
    form = FollowUpForm(request.POST if request.method == "POST" else None, incident=incident, staff=staff)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            change = services.Change(
                internal_note=data["internal_note"],
                public_note=data["public_note"],
                to_status=data["to_status"],
                outcome=data["outcome"],
                referred_to=data["referred_to"],
                duplicate_of_reference=data["duplicate_of_reference"],
                assignee=services.UNCHANGED if data["assignee"] == KEEP else data["assignee"],
            )
            try:
                entry = services.followup_add(
                    acting_user=request.user, incident=incident, expected_version=data["version"], change=change
                )
            except services.IncidentChanged as conflict:
                # Show the new state, keep what the officer typed, and ask again.
                incident = selectors.incident_for_desk(user=request.user, reference=conflict.incident.reference)
                form = _rebound(request.POST, incident, staff)
                form.add_error(None, conflict.message)
                status = 409
            except services.Refused as refusal:
                form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
                status = 400
            else:
                if draft := getattr(entry, "drafted_post", None):
                    messages.success(
                        request,
                        "Report closed. A public post was drafted for you: check it, fix anything it flags, "
                        "and submit it for review.",
                    )
                    return redirect("desk:post_detail", post_id=draft.pk)
                messages.success(request, "Follow-up recorded.")
                return redirect("desk:incident_detail", reference=incident.reference)
        else:
            status = 400
    return render(
        request,
        "desk/incident_detail.html",
        {
            "incident": incident,
            "history": selectors.incident_history(incident),
            "posts": list(incident.posts.order_by("-created_at", "-id")),
            "form": form,
            "is_supervisor": access.is_supervisor(request.user, incident.precinct_id),
        },
        status=status,
    )


def _rebound(data, incident, staff) -> FollowUpForm:
    data = data.copy()
    data["version"] = str(incident.version)
    form = FollowUpForm(data, incident=incident, staff=staff)
    form.is_valid()
    return form
