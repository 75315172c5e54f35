"""The officers' desk: server-rendered, works without JavaScript."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from incidents import selectors, services
from incidents.forms import KEEP, FollowUpForm, IncidentFilterForm, IncidentForm
from incidents.models import Category
from precincts import access


@login_required
def incident_list(request):
    access.require_staff(request.user)
    precincts = list(access.precincts_for(request.user))
    form = IncidentFilterForm(request.GET or None, precincts=precincts, categories=Category.objects.all())
    filters = form.cleaned_data if form.is_valid() else {}
    page = selectors.incident_desk_list(user=request.user, filters=filters, cursor=request.GET.get("after"))
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "desk/incident_list.html",
        {
            "form": form,
            "page": page,
            "filtered": any(filters.values()),
            "query_without_cursor": query.urlencode(),
            "multi_precinct": len(precincts) > 1,
        },
    )


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
