from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from incidents import public
from incidents.models import Post


class PrecinctSitemap(Sitemap):
    """Each precinct's timeline and its numbers."""

    changefreq = "hourly"

    def items(self):
        return [
            (precinct, page)
            for precinct in public.public_precincts()
            for page in ("precinct_timeline", "precinct_stats")
        ]

    def location(self, item):
        precinct, page = item
        return reverse(page, args=[precinct.slug])

    def lastmod(self, item):
        return item[0].public_changed_at


class PostSitemap(Sitemap):
    changefreq = "monthly"
    limit = 10_000

    def items(self):
        return Post.objects.public().only("id", "published_at", "retracted_at").order_by("-published_at", "-id")

    def location(self, post):
        return reverse("post_detail", args=[post.pk])

    def lastmod(self, post):
        return post.retracted_at or post.published_at

    def get_latest_lastmod(self):
        # One aggregate instead of walking every post.
        return Post.objects.public().aggregate(latest=Max("published_at"))["latest"]


SITEMAPS = {"precincts": PrecinctSitemap, "posts": PostSitemap}
