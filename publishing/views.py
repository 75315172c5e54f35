"""The supervisor's channel page: enable, disable, send a test, retry a failed delivery.

404 outside the precinct, 403 for an officer inside it (precincts/access.py).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from incidents.services.errors import Refused
from precincts import access
from precincts.models import Precinct
from publishing import selectors, services
from publishing.models import Channel, Delivery


def _precinct_for_supervisor(user, slug) -> Precinct:
    precinct = get_object_or_404(Precinct, slug=slug, pk__in=access.precinct_ids_for(user))
    access.require_supervisor(user, precinct.pk)
    return precinct


@login_required
@require_GET
def channel_list(request, slug):
    precinct = _precinct_for_supervisor(request.user, slug)
    return render(
        request,
        "publishing/channel_list.html",
        {
            "precinct": precinct,
            "channels": selectors.channels_for_precinct(precinct=precinct),
            "failed": selectors.failed_deliveries(precinct=precinct),
        },
    )


@login_required
@require_POST
def channel_action(request, slug, channel_id):
    precinct = _precinct_for_supervisor(request.user, slug)
    channel = get_object_or_404(Channel, pk=channel_id, precinct=precinct)
    action = request.POST.get("action")
    try:
        if action in ("enable", "disable"):
            services.channel_set_active(acting_user=request.user, channel=channel, active=action == "enable")
            messages.success(
                request,
                f"{channel} is on: posts go out to it again."
                if action == "enable"
                else f"{channel} is off: nothing goes out to it until you turn it on.",
            )
        elif action == "test":
            ok, result = services.channel_send_test(acting_user=request.user, channel=channel)
            (messages.success if ok else messages.error)(request, f"{channel}: {result}")
        else:
            messages.error(request, "Unknown action.")
    except Refused as refusal:
        messages.error(request, refusal.message)
    return redirect("publishing:channel_list", slug=precinct.slug)


@login_required
@require_POST
def delivery_retry(request, slug, delivery_id):
    precinct = _precinct_for_supervisor(request.user, slug)
    delivery = get_object_or_404(
        Delivery.objects.select_related("channel"), pk=delivery_id, channel__precinct=precinct
    )
    try:
        services.delivery_retry(acting_user=request.user, delivery=delivery)
        messages.success(request, f"Sending post {delivery.post_id} to {delivery.channel} again.")
    except Refused as refusal:
        messages.error(request, refusal.message)
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("publishing:channel_list", slug=precinct.slug)
