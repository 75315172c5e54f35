"""The staff API: incidents, follow-ups, posts and their review, publishing holds.

Views are thin: a scoped look-up (`incidents.selectors`, `precincts.access`:
404 outside the caller's precincts), serializer validation, one service call,
a response. Every rule lives in `incidents.services`; `ApiView` turns their
refusals into 400 and lost races into 409.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from incidents import selectors, services
from incidents.api.base import ApiView
from incidents.api.pagination import FollowUpCursor, IncidentCursor, MembershipCursor, PostCursor
from incidents.api.serializers import (
    ApproveSerializer,
    CheckRequestSerializer,
    CheckResultSerializer,
    DecisionSerializer,
    FollowUpCreatedSerializer,
    FollowUpCreateSerializer,
    FollowUpSerializer,
    HoldRequestSerializer,
    HoldSerializer,
    IncidentCreateSerializer,
    IncidentFilterSerializer,
    IncidentSerializer,
    PostCreateSerializer,
    PostDetailSerializer,
    PostEditSerializer,
    PostFilterSerializer,
    PostSerializer,
    RetractSerializer,
    StaffMemberSerializer,
    VersionSerializer,
    local_day_start,
)
from incidents.models import Category, Incident, Post, PostKind
from incidents.references import normalise_reference
from incidents.selectors import _search as incident_search
from incidents.services import posts as post_services
from precincts import access
from precincts.models import Membership, Precinct
from tracker.api import Refusal

User = get_user_model()

REFERENCE = OpenApiParameter("reference", str, OpenApiParameter.PATH, description="The report's reference code.")
POST_ID = OpenApiParameter("post_id", int, OpenApiParameter.PATH, description="The post's id.")
SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The precinct's slug.")


def _my_precinct(user, slug: str | None) -> Precinct:
    """One of the caller's precincts, by slug; the only one when they belong to just one."""
    precincts = list(access.precincts_for(user))
    if slug is None and len(precincts) == 1:
        return precincts[0]
    chosen = next((p for p in precincts if p.slug == slug), None)
    if chosen is None:
        names = ", ".join(p.slug for p in precincts)
        raise Refusal(f"Choose one of your precincts: {names}.", field="precinct")
    return chosen


def _staff_member(precinct_id: int, user_id: int | None):
    """The precinct's staff member with this id (None stays None: nobody)."""
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id, is_active=True, memberships__precinct_id=precinct_id).first()
    if user is None:
        raise Refusal("The assignee must be an officer or supervisor of this precinct.", field="assignee")
    return user


def _incident(user, reference: str) -> Incident:
    return selectors.incident_for_desk(user=user, reference=reference)


def _post_detail(user, post_id: int) -> Post:
    post = selectors.post_for_desk(user=user, post_id=post_id)
    post.history_events = selectors.post_history(post)
    return post


# --- incidents ---------------------------------------------------------------------


class IncidentListView(ApiView):
    serializer_class = IncidentSerializer
    pagination_class = IncidentCursor
    error_statuses = {"GET": (400, 404), "POST": (400,)}

    def get_queryset(self):
        return Incident.objects.filter(precinct_id__in=access.precinct_ids_for(self.request.user)).select_related(
            "precinct", "category", "assignee", "created_by", "duplicate_of"
        )

    @extend_schema(
        summary="List the incidents of your precincts",
        description="Newest reported first. Filters combine; `q` matches a reference or words.",
        parameters=[IncidentFilterSerializer],
        responses=IncidentSerializer(many=True),
    )
    def get(self, request):
        filters = IncidentFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        incidents = self.get_queryset()
        if data.get("status"):
            incidents = incidents.filter(status=data["status"])
        if data.get("category"):
            incidents = incidents.filter(category__in=Category.objects.filter(slug=data["category"]))
        if data.get("precinct"):
            incidents = incidents.filter(precinct__in=Precinct.objects.filter(slug=data["precinct"]))
        if assignee := data.get("assignee"):
            if assignee == "me":
                incidents = incidents.filter(assignee=request.user)
            elif assignee == "none":
                incidents = incidents.filter(assignee__isnull=True)
            else:
                incidents = incidents.filter(assignee_id=int(assignee))
        if data.get("reported_from"):
            incidents = incidents.filter(reported_at__gte=local_day_start(data["reported_from"]))
        if data.get("reported_to"):
            incidents = incidents.filter(reported_at__lt=local_day_start(data["reported_to"] + timedelta(days=1)))
        if query := data.get("q", "").strip():
            incidents = incidents.filter(incident_search(query))
        page = self.paginate_queryset(self.per_precinct(incidents))
        return self.get_paginated_response(IncidentSerializer(page, many=True).data)

    @extend_schema(
        summary="Log a report",
        description="What the desk's form does. The reference in the answer is the one to give the resident.",
        request=IncidentCreateSerializer,
        responses={201: IncidentSerializer},
        examples=[
            OpenApiExample(
                "A walk-in report",
                request_only=True,
                value={
                    "category": "noise",
                    "public_summary": "Loud music from a party late at night",
                    "public_location": "200 block of W 42nd St",
                    "source": "walk_in",
                    "reporter_name": "Maria Gonzalez",
                    "reporter_phone": "(212) 555-0142",
                    "exact_address": "234 W 42nd St, Apt 3",
                },
            )
        ],
    )
    def post(self, request):
        serializer = IncidentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        precinct = _my_precinct(request.user, data.pop("precinct", None))
        category = Category.objects.filter(slug=data.pop("category")).first()
        if category is None:
            raise Refusal("Choose a category from the list.", field="category")
        assignee = _staff_member(precinct.pk, data.pop("assignee", None))
        incident = services.incident_create(
            acting_user=request.user, precinct=precinct, category=category, assignee=assignee, **data
        )
        incident = _incident(request.user, incident.reference)
        location = reverse("api:incident_detail", kwargs={"reference": incident.reference})
        return Response(IncidentSerializer(incident).data, status=201, headers={"Location": location})


class IncidentDetailView(ApiView):
    serializer_class = IncidentSerializer
    error_statuses = {"GET": (404,)}

    @extend_schema(summary="One incident, with its private details", parameters=[REFERENCE])
    def get(self, request, reference):
        return Response(IncidentSerializer(_incident(request.user, reference)).data)


class FollowUpListView(ApiView):
    """An incident's history; adding an entry is how notes, status changes and assignments happen."""

    serializer_class = FollowUpSerializer
    pagination_class = FollowUpCursor
    error_statuses = {"GET": (404,), "POST": (400, 404, 409)}
    field_names = {"duplicate_of_reference": "duplicate_of"}

    @extend_schema(
        summary="An incident's follow-ups, oldest first",
        parameters=[REFERENCE],
        responses=FollowUpSerializer(many=True),
    )
    def get(self, request, reference):
        incident = _incident(request.user, reference)
        followups = incident.followups.select_related("author", "assigned_from", "assigned_to", "duplicate_of")
        page = self.paginate_queryset(followups)
        return self.get_paginated_response(FollowUpSerializer(page, many=True).data)

    @extend_schema(
        summary="Add a follow-up: a note, a status change, an assignment",
        description=(
            "Send the incident `version` you saw: if someone changed the incident since, nothing is written and "
            "the answer is 409 with the current version. Closing as resolved, referred or no_action drafts the "
            "public post (`drafted_post`), owned by you."
        ),
        parameters=[REFERENCE],
        request=FollowUpCreateSerializer,
        responses={201: FollowUpCreatedSerializer},
        examples=[
            OpenApiExample(
                "Start looking into it",
                request_only=True,
                value={"version": 1, "to_status": "investigating", "public_note": "Officers are on the way."},
            ),
            OpenApiExample(
                "Close it",
                request_only=True,
                value={"version": 2, "to_status": "resolved", "outcome": "warning", "internal_note": "Spoke to host."},
            ),
        ],
    )
    def post(self, request, reference):
        incident = _incident(request.user, reference)
        serializer = FollowUpCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assignee = services.UNCHANGED
        if "assignee" in data:
            assignee = _staff_member(incident.precinct_id, data["assignee"])
        change = services.Change(
            internal_note=data["internal_note"],
            public_note=data["public_note"],
            to_status=data["to_status"],
            outcome=data["outcome"],
            referred_to=data["referred_to"],
            duplicate_of_reference=data["duplicate_of"],
            assignee=assignee,
        )
        entry = services.followup_add(
            acting_user=request.user, incident=incident, expected_version=data["version"], change=change
        )
        body = {
            "followup": entry,
            "incident": _incident(request.user, incident.reference),
            "drafted_post": getattr(entry, "drafted_post", None),
        }
        return Response(FollowUpCreatedSerializer(body).data, status=201)


# --- posts ------------------------------------------------------------------------------


class PostListView(ApiView):
    serializer_class = PostSerializer
    pagination_class = PostCursor
    error_statuses = {"GET": (400, 404), "POST": (400,)}

    def get_queryset(self):
        return Post.objects.filter(precinct_id__in=access.precinct_ids_for(self.request.user)).select_related(
            "precinct", "incident", "author", "reviewer"
        )

    @extend_schema(
        summary="List the posts of your precincts",
        description="Newest first, every status.",
        parameters=[PostFilterSerializer],
        responses=PostSerializer(many=True),
    )
    def get(self, request):
        filters = PostFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        posts = self.get_queryset()
        if data.get("status"):
            posts = posts.filter(status=data["status"])
        if data.get("kind"):
            posts = posts.filter(kind=data["kind"])
        if data.get("precinct"):
            posts = posts.filter(precinct__in=Precinct.objects.filter(slug=data["precinct"]))
        if "incident" in data:
            posts = posts.filter(incident__reference=normalise_reference(data["incident"]) or "")
        if data["mine"]:
            posts = posts.filter(author=request.user)
        page = self.paginate_queryset(self.per_precinct(posts))
        return self.get_paginated_response(PostSerializer(page, many=True).data)

    @extend_schema(
        summary="Write an update about a report, or an alert",
        description=(
            "`kind: update` needs `incident` (a report of your precincts). `kind: alert` needs `precinct` and a "
            "supervisor; with `publish_now` it goes out at once and waits for a second supervisor's review."
        ),
        request=PostCreateSerializer,
        responses={201: PostDetailSerializer},
    )
    def post(self, request):
        serializer = PostCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["kind"] == PostKind.UPDATE:
            incident = (
                Incident.objects.filter(
                    reference=normalise_reference(data["incident"]) or "",
                    precinct_id__in=access.precinct_ids_for(request.user),
                )
                .select_related("precinct")
                .first()
            )
            if incident is None:
                raise Refusal("No report with that reference in your precincts.", field="incident")
            post = post_services.post_draft_update(acting_user=request.user, incident=incident, body=data["body"])
        else:
            precinct = _my_precinct(request.user, data["precinct"])
            post = post_services.post_create_alert(
                acting_user=request.user, precinct=precinct, body=data["body"], publish_now=data["publish_now"]
            )
        location = reverse("api:post_detail", kwargs={"post_id": post.pk})
        return Response(
            PostDetailSerializer(_post_detail(request.user, post.pk)).data, status=201, headers={"Location": location}
        )


class PostDetailView(ApiView):
    serializer_class = PostDetailSerializer
    error_statuses = {"GET": (404,), "PATCH": (400, 404, 409)}
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(summary="One post, with its history and the checker's findings", parameters=[POST_ID])
    def get(self, request, post_id):
        return Response(PostDetailSerializer(_post_detail(request.user, post_id)).data)

    @extend_schema(
        summary="Edit the text (the author)",
        description="Send the `version` you saw. An edit after approval sends the post back to review.",
        parameters=[POST_ID],
        request=PostEditSerializer,
        responses={200: PostDetailSerializer},
    )
    def patch(self, request, post_id):
        post = selectors.post_for_desk(user=request.user, post_id=post_id)
        serializer = PostEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post_services.post_edit(
            acting_user=request.user,
            post=post,
            body=serializer.validated_data["body"],
            expected_version=serializer.validated_data["version"],
        )
        return Response(PostDetailSerializer(_post_detail(request.user, post_id)).data)


class PostActionView(ApiView):
    """One transition of a post: look it up in the caller's precincts, validate, call the service."""

    serializer_class = PostDetailSerializer
    request_serializer = None
    error_statuses = {"POST": (400, 404, 409)}

    def act(self, post: Post, data: dict) -> None:
        raise NotImplementedError

    def post(self, request, post_id):
        post = selectors.post_for_desk(user=request.user, post_id=post_id)
        data = {}
        if self.request_serializer is not None:
            serializer = self.request_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        self.act(post, data)
        return Response(PostDetailSerializer(_post_detail(request.user, post_id)).data)


def _action_schema(summary: str, description: str, request=None):
    return extend_schema(
        summary=summary, description=description, parameters=[POST_ID], request=request, responses=PostDetailSerializer
    )


class PostSubmitView(PostActionView):
    request_serializer = VersionSerializer

    @_action_schema(
        "Submit for review (the author)", "Blocked while the checker finds a blocking problem.", VersionSerializer
    )
    def post(self, request, post_id):
        return super().post(request, post_id)

    def act(self, post, data):
        post_services.post_submit(acting_user=self.request.user, post=post, expected_version=data.get("version"))


class PostApproveView(PostActionView):
    request_serializer = ApproveSerializer

    @_action_schema(
        "Approve (a supervisor who is not the author)",
        "Approves the exact text under review, to go out now or at `publish_at` (unless publishing is on hold).",
        ApproveSerializer,
    )
    def post(self, request, post_id):
        return super().post(request, post_id)

    def act(self, post, data):
        post_services.post_approve(
            acting_user=self.request.user,
            post=post,
            publish_at=data.get("publish_at"),
            expected_version=data.get("version"),
        )


class PostRequestChangesView(PostActionView):
    request_serializer = DecisionSerializer

    @_action_schema("Request changes (a supervisor)", "Back to the author with the reason.", DecisionSerializer)
    def post(self, request, post_id):
        return super().post(request, post_id)

    def act(self, post, data):
        post_services.post_request_changes(
            acting_user=self.request.user, post=post, reason=data["reason"], expected_version=data.get("version")
        )


class PostRejectView(PostActionView):
    request_serializer = DecisionSerializer

    @_action_schema("Reject (a supervisor)", "Refused for good, with a reason for the author.", DecisionSerializer)
    def post(self, request, post_id):
        return super().post(request, post_id)

    def act(self, post, data):
        post_services.post_reject(
            acting_user=self.request.user, post=post, reason=data["reason"], expected_version=data.get("version")
        )


class PostRetractView(PostActionView):
    request_serializer = RetractSerializer

    @_action_schema(
        "Withdraw a published post (a supervisor)",
        "It stays on the public record, marked withdrawn with the reason.",
        RetractSerializer,
    )
    def post(self, request, post_id):
        return super().post(request, post_id)

    def act(self, post, data):
        post_services.post_retract(acting_user=self.request.user, post=post, reason=data["reason"])


class PostAfterReviewView(PostActionView):
    @_action_schema(
        "Review an alert after publication (a second supervisor)",
        "For an alert a supervisor published at once.",
    )
    def post(self, request, post_id):
        return super().post(request, post_id)

    def act(self, post, data):
        post_services.post_after_review(acting_user=self.request.user, post=post)


class PostCheckView(ApiView):
    """Run the draft checker on a text, with the linked report's private details (staff only)."""

    # Kept as it was before the API grew: signed in, then the membership check below.
    permission_classes = [IsAuthenticated]
    error_statuses = {"POST": (400, 404)}

    @extend_schema(
        summary="Check a draft's text",
        description="What the editor calls as the officer types. `incident` is a report id; its private details "
        "(names, phone, address) are looked for in the text.",
        request=CheckRequestSerializer,
        responses={200: CheckResultSerializer},
    )
    def post(self, request):
        if not access.precinct_ids_for(request.user):
            raise PermissionDenied("Only precinct staff can use the draft checker.")
        serializer = CheckRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = None
        if incident_id := serializer.validated_data.get("incident"):
            incident = Incident.objects.filter(
                pk=incident_id, precinct_id__in=access.precinct_ids_for(request.user)
            ).first()
            if incident is None:
                raise Http404
        return Response(post_services.check_post_body(serializer.validated_data["text"], incident).as_dict())


# --- precincts (staff side) ---------------------------------------------------------------


def _member_precinct(user, slug: str) -> Precinct:
    precinct = (
        Precinct.objects.select_related("hold_by").filter(slug=slug, pk__in=access.precinct_ids_for(user)).first()
    )
    if precinct is None:
        raise Http404("No such precinct.")
    return precinct


class PrecinctStaffView(ApiView):
    serializer_class = StaffMemberSerializer
    pagination_class = MembershipCursor
    error_statuses = {"GET": (404,)}

    @extend_schema(
        summary="A precinct's officers and supervisors (its staff only)",
        description="The user ids to assign reports to.",
        parameters=[SLUG],
        responses=StaffMemberSerializer(many=True),
    )
    def get(self, request, slug):
        precinct = _member_precinct(request.user, slug)
        members = Membership.objects.filter(precinct=precinct, user__is_active=True).select_related("user")
        page = self.paginate_queryset(members)
        return self.get_paginated_response(StaffMemberSerializer(page, many=True).data)


class PrecinctHoldView(ApiView):
    """A supervisor's publishing hold: while on, nothing of the precinct goes out."""

    serializer_class = HoldSerializer
    error_statuses = {"GET": (404,), "POST": (400, 404), "DELETE": (400, 404)}

    @extend_schema(summary="Whether publishing is on hold (the precinct's staff)", parameters=[SLUG])
    def get(self, request, slug):
        return Response(HoldSerializer(_member_precinct(request.user, slug)).data)

    @extend_schema(
        summary="Put publishing on hold (a supervisor)",
        parameters=[SLUG],
        request=HoldRequestSerializer,
        responses={200: HoldSerializer},
    )
    def post(self, request, slug):
        precinct = _member_precinct(request.user, slug)
        serializer = HoldRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post_services.precinct_hold(
            acting_user=request.user, precinct=precinct, reason=serializer.validated_data["reason"]
        )
        return Response(HoldSerializer(_member_precinct(request.user, slug)).data)

    @extend_schema(
        summary="Lift the hold (a supervisor)",
        description="Approved posts whose time has come go out at once.",
        parameters=[SLUG],
        request=None,
        responses={200: HoldSerializer},
    )
    def delete(self, request, slug):
        precinct = _member_precinct(request.user, slug)
        post_services.precinct_release(acting_user=request.user, precinct=precinct)
        return Response(HoldSerializer(_member_precinct(request.user, slug)).data)
