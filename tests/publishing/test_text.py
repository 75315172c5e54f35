"""The text each network gets, Bluesky's link facets, and record keys."""

import re

from incidents.checks import measure
from publishing.text import bluesky_facets, permalink, text_for
from publishing.tids import new_tid

LINK = "https://blotter.example.org/posts/12345/"


def test_it_ends_every_networks_text_with_the_permalink():
    body = "Officers fixed the crossing light at Elm St."
    for kind in ("mastodon", "bluesky", "webhook"):
        assert text_for(kind, body, LINK) == body + "\n\n" + LINK


def test_it_cuts_at_a_word_to_fit_each_limit_as_the_checker_counts():
    body = " ".join(["Neighbors asked us about the noise on Main St and we went to look."] * 8)
    mastodon = text_for("mastodon", body, LINK)
    bluesky = text_for("bluesky", body, LINK)

    assert measure(mastodon)["mastodon"] <= 500 and mastodon.endswith("…\n\n" + LINK)
    assert measure(bluesky)["bluesky"] <= 300 and bluesky.endswith("…\n\n" + LINK)
    # Cut between words, never inside one.
    assert bluesky.split("…")[0].split()[-1] in body.split()
    assert text_for("webhook", body, LINK) == body + "\n\n" + LINK


def test_it_counts_graphemes_for_bluesky_and_links_as_23_for_mastodon():
    body = "👮🏽‍♀️ " * 150
    bluesky = text_for("bluesky", body.strip(), LINK)
    assert measure(bluesky)["bluesky"] <= 300
    # A long link counts 23 on Mastodon, so a 470-character body still fits with it.
    long_link = "https://blotter.example.org/posts/1/" + "x" * 80
    body = "a" * 470
    assert text_for("mastodon", body, long_link) == body + "\n\n" + long_link


def test_it_locates_link_facets_by_utf8_bytes():
    text = "Café closed — see https://blotter.example.org/posts/7/ and https://city.example/notice."
    facets = bluesky_facets(text)

    encoded = text.encode()
    uris = [f["features"][0]["uri"] for f in facets]
    assert uris == ["https://blotter.example.org/posts/7/", "https://city.example/notice"]
    for facet, uri in zip(facets, uris, strict=True):
        assert encoded[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode() == uri
        assert facet["features"][0]["$type"] == "app.bsky.richtext.facet#link"


def test_it_builds_the_permalink_from_the_site_url(settings):
    settings.SITE_URL = "https://blotter.example.org"

    class Post:
        pk = 42

    assert permalink(Post()) == "https://blotter.example.org/posts/42/"


def test_it_makes_valid_increasing_record_keys():
    keys = [new_tid() for _ in range(1000)]
    assert all(re.fullmatch(r"[234567abcdefghij][234567a-z]{12}", key) for key in keys)
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
