from django.contrib import admin
from django.urls import include, path

from tracker import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/", include("precincts.urls")),
    path("desk/", include("incidents.desk_urls")),
    path("api/v1/", include("incidents.api_urls")),
    path("admin/", admin.site.urls),
    path("", include("incidents.public_urls")),
]
