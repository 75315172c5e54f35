from django.urls import path

from incidents import post_views, views

app_name = "desk"

urlpatterns = [
    path("", views.incident_list, name="incident_list"),
    path("incidents/new/", views.incident_create, name="incident_create"),
    path("incidents/<str:reference>/", views.incident_detail, name="incident_detail"),
    path("incidents/<str:reference>/posts/new/", post_views.update_create, name="update_create"),
    path("posts/", post_views.post_list, name="post_list"),
    path("posts/<int:post_id>/", post_views.post_detail, name="post_detail"),
    path("alerts/new/", post_views.alert_create, name="alert_create"),
    path("review/", post_views.review_queue, name="review_queue"),
    path("review/approve/", post_views.review_bulk_approve, name="review_bulk_approve"),
    path("precincts/<slug:slug>/hold/", post_views.precinct_hold, name="precinct_hold"),
]
