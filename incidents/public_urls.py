from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from incidents import feeds, public_views
from incidents.sitemaps import SITEMAPS

urlpatterns = [
    path("", public_views.home, name="home"),
    path("robots.txt", public_views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("feed.atom", feeds.city_feed_atom, name="city_feed_atom"),
    path("feed.rss", feeds.city_feed_rss, name="city_feed_rss"),
    path("precincts/<slug:slug>/", public_views.timeline, name="precinct_timeline"),
    path("precincts/<slug:slug>/stats/", public_views.precinct_stats, name="precinct_stats"),
    path("precincts/<slug:slug>/feed.rss", feeds.precinct_feed_rss, name="precinct_feed_rss"),
    path("precincts/<slug:slug>/feed.atom", feeds.precinct_feed_atom, name="precinct_feed_atom"),
    path("posts/<int:post_id>/", public_views.post_detail, name="post_detail"),
    path("reports/", public_views.report_lookup, name="report_lookup"),
    path("reports/<str:reference>/", public_views.report_detail, name="report_detail"),
]
