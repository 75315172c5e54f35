from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from incidents.api.docs import ApiDocsView
from tracker import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # First after the probes: the public pages take the surges, and every URL pattern tried before
    # the one that matches costs time. None of them starts with another entry's prefix.
    path("", include("incidents.public_urls")),
    path("accounts/", include("precincts.urls")),
    path("desk/", include("incidents.desk_urls")),
    path("desk/", include("publishing.urls")),
    path("api/v1/", include("incidents.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api_schema"), name="api_docs"),
    path("open311/v2/", include("incidents.open311_urls")),
    path("admin/", admin.site.urls),
]
