"""RSS 2.0 and Atom 1.0 feeds, per precinct and city-wide.

Entries have stable ids: the post's absolute permalink, which never changes. A withdrawn post stays in the
feed, retitled and with its `updated` time moved, so readers see the change.
"""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from incidents import public
from incidents.models import PostStatus
from tracker.conditional import conditional_page

FEED_SIZE = 50


class _PostFeed(Feed):
    feed_type = Rss201rev2Feed
    description_template = None

    def item_title(self, post):
        what = post.category.name if post.category_id else post.get_kind_display()
        title = f"{what} — {post.precinct.name}"
        return f"Withdrawn: {title}" if post.status == PostStatus.RETRACTED else title

    def item_description(self, post):
        if post.status == PostStatus.RETRACTED:
            when = timezone.localtime(post.retracted_at, post.precinct.tzinfo)
            notice = f"Withdrawn on {when:%B} {when.day}, {when.year}: {post.retraction_reason}"
            return f"{notice}\n\nOriginal post: {post.body}"
        return post.body

    def item_link(self, post):
        return reverse("post_detail", args=[post.pk])

    def item_pubdate(self, post):
        return post.published_at

    def item_updateddate(self, post):
        return post.retracted_at or post.published_at

    def item_categories(self, post):
        return [post.category.name] if post.category_id else [post.get_kind_display()]

    def item_author_name(self, post):
        return post.precinct.name


class PrecinctRssFeed(_PostFeed):
    def get_object(self, request, slug):
        # Looked up once, in __call__, for the ETag; the feed reuses it.
        return request.feed_precinct

    def title(self, precinct):
        return f"{precinct.name} — how reports were followed up"

    def link(self, precinct):
        return reverse("precinct_timeline", args=[precinct.slug])

    def description(self, precinct):
        return f"Public posts from {precinct.name} about the reports residents brought, and how each was followed up."

    def feed_url(self, precinct):
        return reverse("precinct_feed_rss", args=[precinct.slug])

    def author_name(self, precinct):
        return precinct.name

    def items(self, precinct):
        return public.timeline_page(precinct=precinct, category=None, cursor=None, size=FEED_SIZE).items

    def __call__(self, request, *args, **kwargs):
        precinct = request.feed_precinct = public.public_precinct(kwargs["slug"])
        return conditional_page(
            request,
            parts=(type(self).__name__, precinct.pk, precinct.public_changed_at),
            last_modified=precinct.public_changed_at,
            render=lambda: super(PrecinctRssFeed, self).__call__(request, *args, **kwargs),
        )


class PrecinctAtomFeed(PrecinctRssFeed):
    feed_type = Atom1Feed
    subtitle = PrecinctRssFeed.description

    def feed_url(self, precinct):
        return reverse("precinct_feed_atom", args=[precinct.slug])


class CityRssFeed(_PostFeed):
    title = "OpenBlotter — how reports were followed up, city-wide"
    description = "Public posts from every precinct about the reports residents brought."
    author_name = "OpenBlotter"

    def link(self):
        return reverse("home")

    def feed_url(self):
        return reverse("city_feed_rss")

    def items(self):
        return public.timeline_page(precinct=None, category=None, cursor=None, size=FEED_SIZE).items

    def __call__(self, request, *args, **kwargs):
        changed = public.city_changed_at()
        return conditional_page(
            request,
            parts=(type(self).__name__, changed),
            last_modified=changed,
            render=lambda: super(CityRssFeed, self).__call__(request, *args, **kwargs),
        )


class CityAtomFeed(CityRssFeed):
    feed_type = Atom1Feed
    subtitle = CityRssFeed.description

    def feed_url(self):
        return reverse("city_feed_atom")
