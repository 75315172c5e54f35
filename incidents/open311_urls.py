"""/open311/v2/ (namespace `open311`): GeoReport v2, read-only. The format is the
file extension; an unknown one answers 404 in the spec's error format."""

from django.urls import re_path

from incidents.api import open311

app_name = "open311"

urlpatterns = [
    re_path(r"^services\.(?P<fmt>[a-z0-9]+)$", open311.ServiceListView.as_view(), name="services"),
    re_path(r"^requests\.(?P<fmt>[a-z0-9]+)$", open311.RequestListView.as_view(), name="requests"),
    re_path(
        r"^requests/(?P<reference>[^/.]+)\.(?P<fmt>[a-z0-9]+)$",
        open311.RequestDetailView.as_view(),
        name="request",
    ),
]
