"""/api/v1/ (namespace `api`). `post_check` (POST /api/v1/posts/check/) is a contract:
the desk's post editor calls it."""

from django.urls import path, re_path

from incidents import freshness, public
from incidents.api import auth, base, public_views, views
from tracker.conditional import public_api

app_name = "api"

urlpatterns = [
    # Signing in
    path("auth/token/", auth.TokenView.as_view(), name="auth_token"),
    path("me/", auth.MeView.as_view(), name="me"),
    # Public, read-only
    path("categories/", public_views.CategoryListView.as_view(), name="category_list"),
    path("precincts/", public_views.PrecinctListView.as_view(), name="precinct_list"),
    path("precincts/<slug:slug>/", public_views.PrecinctDetailView.as_view(), name="precinct_detail"),
    path(
        "precincts/<slug:slug>/posts/",
        public_api(
            public_views.PrecinctPostListView.as_view(),
            lambda request, slug: [freshness.precinct_scope(slug, lambda: public.request_precinct_row(request, slug))],
        ),
        name="precinct_posts",
    ),
    path(
        "public-posts/",
        public_api(public_views.PublicPostListView.as_view(), lambda request: [freshness.CITY]),
        name="public_post_list",
    ),
    path("public-posts/<int:post_id>/", public_views.PublicPostDetailView.as_view(), name="public_post_detail"),
    path("reports/<str:reference>/", public_views.ReportDetailView.as_view(), name="report_detail"),
    # Staff
    path("precincts/<slug:slug>/staff/", views.PrecinctStaffView.as_view(), name="precinct_staff"),
    path("precincts/<slug:slug>/hold/", views.PrecinctHoldView.as_view(), name="precinct_hold"),
    path("incidents/", views.IncidentListView.as_view(), name="incident_list"),
    path("incidents/<str:reference>/", views.IncidentDetailView.as_view(), name="incident_detail"),
    path("incidents/<str:reference>/followups/", views.FollowUpListView.as_view(), name="incident_followups"),
    path("posts/", views.PostListView.as_view(), name="post_list"),
    path("posts/check/", views.PostCheckView.as_view(), name="post_check"),
    path("posts/<int:post_id>/", views.PostDetailView.as_view(), name="post_detail"),
    path("posts/<int:post_id>/submit/", views.PostSubmitView.as_view(), name="post_submit"),
    path("posts/<int:post_id>/approve/", views.PostApproveView.as_view(), name="post_approve"),
    path("posts/<int:post_id>/request-changes/", views.PostRequestChangesView.as_view(), name="post_request_changes"),
    path("posts/<int:post_id>/reject/", views.PostRejectView.as_view(), name="post_reject"),
    path("posts/<int:post_id>/retract/", views.PostRetractView.as_view(), name="post_retract"),
    path("posts/<int:post_id>/after-review/", views.PostAfterReviewView.as_view(), name="post_after_review"),
    # Last: any other path under /api/v1/ answers 404 in the API's error format.
    re_path(r"^", base.NotFoundView.as_view(), name="not_found"),
]
