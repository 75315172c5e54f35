"""The application's URLs, then the calibration pages (bench/calibration.py) after them."""

from django.urls import path

from bench import calibration
from tracker.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    *app_urlpatterns,
    path("bench-calibration/<int:precinct_id>/page/", calibration.page),
    path("bench-calibration/<int:precinct_id>/cached/", calibration.cached),
    path("bench-calibration/<int:precinct_id>/conditional/", calibration.conditional),
]
