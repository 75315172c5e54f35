"""Open311 GeoReport v2, read-only, at /open311/v2/ (JSON and XML).

- `services.{json,xml}`: the active categories (service_code is the slug).
- `requests.{json,xml}`: reports, newest first. `service_request_id` (comma
  separated) overrides every other filter; otherwise `service_code` and
  `status` (both comma separated), and `start_date` / `end_date` (W3C
  datetimes) no more than 90 days apart; the window defaults to the last 90
  days, and at most 1000 requests come back, as the spec says.
- `requests/<reference>.{json,xml}`: one report, as a list of one.

Public fields only: the reference, category, open/closed, the public summary
and location, the precinct, dates, and the latest public note or post. No
coordinates: the only ones held are exact (private) and are not published.
`jurisdiction_id` is accepted and ignored: this endpoint serves one jurisdiction.
Errors use the spec's format: `[{"code": …, "description": …}]` in JSON,
`<errors><error><code/><description/></error></errors>` in XML.
"""

import json
import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework.exceptions import APIException, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from incidents import public
from incidents.models import OPEN_STATUSES, PUBLIC_POST_STATUSES, FollowUp, Incident, Post, PostStatus
from incidents.references import normalise_reference

WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
FORMATS = ("json", "xml")
STATUSES = ("open", "closed")
_SERVICE_CODE = re.compile(r"[-\w]+", re.ASCII)  # category slugs; anything else matches nothing
# Characters XML 1.0 cannot carry, whatever their escaping.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Open311Error(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = description


# --- rendering ------------------------------------------------------------------------


def _w3c(moment: datetime | None, tz) -> str | None:
    """A W3C datetime with the precinct's UTC offset, e.g. 2010-04-14T06:37:38-04:00."""
    if moment is None:
        return None
    return timezone.localtime(moment, tz).replace(microsecond=0).isoformat()


def _xml_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _render(fmt: str, root: str, item: str, rows: list[dict], *, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        element = ET.Element(root)
        for row in rows:
            child = ET.SubElement(element, item)
            for key, value in row.items():
                ET.SubElement(child, key).text = "" if value is None else _xml_text(value)
        body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
        return HttpResponse(body, status=status, content_type="application/xml; charset=utf-8")
    return HttpResponse(json.dumps(rows), status=status, content_type="application/json; charset=utf-8")


def _error_response(fmt: str, code: int, description: str) -> HttpResponse:
    fmt = fmt if fmt in FORMATS else "json"
    return _render(fmt, "errors", "error", [{"code": code, "description": description}], status=code)


# --- reading --------------------------------------------------------------------------


def _requests_queryset():
    """Reports of active precincts with what a GeoReport request shows (public fields only)."""
    changes = (
        FollowUp.objects.filter(~Q(public_note="") | ~Q(to_status=""))
        .only("id", "incident_id", "public_note", "to_status", "created_at")
        .order_by("created_at", "id")
    )
    posts = (
        Post.objects.filter(status__in=PUBLIC_POST_STATUSES)
        .only("id", "incident_id", "body", "status", "published_at", "retracted_at")
        .order_by("published_at", "id")
    )
    return (
        Incident.objects.filter(precinct__is_active=True)
        .select_related("category", "precinct")
        .only(*public.INCIDENT_FIELDS)
        .prefetch_related(
            Prefetch("followups", queryset=changes, to_attr="public_changes"),
            Prefetch("posts", queryset=posts, to_attr="public_posts"),
        )
    )


def _as_request(incident: Incident) -> dict:
    tz = incident.precinct.tzinfo
    # (time, text) of everything residents could see change, for status_notes and updated_datetime.
    notes = [(f.created_at, f.public_note) for f in incident.public_changes if f.public_note]
    notes += [(p.published_at, p.body) for p in incident.public_posts if p.status == PostStatus.PUBLISHED]
    changed = [incident.reported_at, incident.resolved_at, *(f.created_at for f in incident.public_changes)]
    changed += [p.retracted_at or p.published_at for p in incident.public_posts]
    latest_note = max(notes, key=lambda note: note[0])[1] if notes else ""
    return {
        "service_request_id": incident.reference,
        "status": "open" if incident.status in OPEN_STATUSES else "closed",
        "status_notes": latest_note,
        "service_name": incident.category.name,
        "service_code": incident.category.slug,
        "description": incident.public_summary,
        "agency_responsible": incident.precinct.name,
        "requested_datetime": _w3c(incident.reported_at, tz),
        "updated_datetime": _w3c(max(m for m in changed if m is not None), tz),
        "address": incident.public_location,
    }


def _parse_moment(name: str, value: str) -> datetime:
    try:
        moment = parse_datetime(value)
        if moment is None and (day := parse_date(value)) is not None:
            moment = datetime.combine(day, datetime.min.time())
        if moment is None:
            raise ValueError
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # Far-off years cannot be compared across time zones; they are typing mistakes anyway.
        moment.astimezone(UTC)
        if not 1900 <= moment.year <= 2999:
            raise ValueError
    except (ValueError, OverflowError):
        raise Open311Error(
            400, f"{name} must be a W3C datetime between the years 1900 and 2999, e.g. 2010-01-01T00:00:00Z."
        ) from None
    return moment


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _requests_window(params) -> tuple[datetime, datetime]:
    start = _parse_moment("start_date", params["start_date"]) if params.get("start_date") else None
    end = _parse_moment("end_date", params["end_date"]) if params.get("end_date") else None
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - WINDOW
    if end is None:
        end = start + WINDOW
    if end < start:
        raise Open311Error(400, "end_date must not be before start_date.")
    if end - start > WINDOW:
        raise Open311Error(400, "start_date and end_date may not be more than 90 days apart.")
    return start, end


# --- views ----------------------------------------------------------------------------


class Open311View(APIView):
    """Anonymous, throttled like the public API, outside the OpenAPI schema (GeoReport is its own spec)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]
    schema = None

    def get(self, request, fmt, **kwargs):
        if fmt not in FORMATS:
            raise Open311Error(404, f"Unknown format {fmt!r}: use .json or .xml.")
        return self.answer(request, fmt, **kwargs)

    def answer(self, request, fmt, **kwargs) -> HttpResponse:
        raise NotImplementedError

    def handle_exception(self, exc):
        fmt = self.kwargs.get("fmt", "json")
        if isinstance(exc, Open311Error):
            return _error_response(fmt, exc.code, exc.description)
        if isinstance(exc, Throttled):
            response = _error_response(fmt, 429, "Too many requests; wait a minute and try again.")
            if exc.wait:
                response["Retry-After"] = str(int(exc.wait))
            return response
        if isinstance(exc, APIException):
            return _error_response(fmt, exc.status_code, str(exc.detail))
        return super().handle_exception(exc)


class ServiceListView(Open311View):
    def answer(self, request, fmt):
        services = [
            {
                "service_code": category.slug,
                "service_name": category.name,
                "description": f"Reports about {category.name.lower()}.",
                "metadata": False,
                "type": "realtime",
                "keywords": "",
                "group": "",
            }
            for category in public.public_categories()
        ]
        return _render(fmt, "services", "service", services)


class RequestListView(Open311View):
    def answer(self, request, fmt):
        params = request.query_params
        incidents = _requests_queryset()
        if params.get("service_request_id"):
            # Overrides every other filter (GeoReport v2).
            references = {normalise_reference(ref) for ref in _csv(params["service_request_id"])} - {None}
            incidents = incidents.filter(reference__in=references)
        else:
            if params.get("service_code"):
                codes = [code for code in _csv(params["service_code"]) if _SERVICE_CODE.fullmatch(code)]
                incidents = incidents.filter(category__slug__in=codes)
            if params.get("status"):
                statuses = {s.lower() for s in _csv(params["status"])}
                if not statuses <= set(STATUSES):
                    raise Open311Error(400, "status must be open, closed or both (comma separated).")
                if statuses == {"open"}:
                    incidents = incidents.filter(status__in=OPEN_STATUSES)
                elif statuses == {"closed"}:
                    incidents = incidents.exclude(status__in=OPEN_STATUSES)
            start, end = _requests_window(params)
            incidents = incidents.filter(reported_at__gte=start, reported_at__lte=end)
        rows = [_as_request(i) for i in incidents.order_by("-reported_at", "-id")[:MAX_REQUESTS]]
        return _render(fmt, "service_requests", "request", rows)


class RequestDetailView(Open311View):
    def answer(self, request, fmt, reference):
        canonical = normalise_reference(reference)
        incident = _requests_queryset().filter(reference=canonical).first() if canonical else None
        if incident is None:
            raise Open311Error(404, f"No service request {reference!r}.")
        return _render(fmt, "service_requests", "request", [_as_request(incident)])
