"""The text each network gets: within its limit as the draft checker counts
it, ending with the post's permalink; Bluesky's links as facets."""

import re

from django.conf import settings

from incidents.checks import fit_to_limit
from publishing.models import ChannelKind

SEPARATOR = "\n\n"
# http(s) links, without trailing sentence punctuation (as the checker reads them).
_URL_RE = re.compile(r"https?://[^\s<>\"]+?(?=[.,:;!?'\")\]]*(?:\s|$))", re.IGNORECASE)


def permalink(post) -> str:
    """The public page of a post (a contract path: /posts/<id>/)."""
    return settings.SITE_URL + f"/posts/{post.pk}/"


def text_for(kind: str, body: str, link: str) -> str:
    """The post's text for one kind of channel, ending with `link`.

    Mastodon and Bluesky cut the body at a word boundary (with "…") so that
    body, separator and link fit the network's limit; a webhook gets it whole.
    """
    body = body.strip()
    if kind == ChannelKind.WEBHOOK:
        return body + SEPARATOR + link
    suffix = SEPARATOR + link
    return fit_to_limit(body, kind, suffix=suffix) + suffix


def bluesky_facets(text: str) -> list[dict]:
    """Link facets for every http(s) URL in `text`, located by UTF-8 byte offsets."""
    facets = []
    for match in _URL_RE.finditer(text):
        start = len(text[: match.start()].encode())
        end = start + len(match.group().encode())
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": match.group()}],
            }
        )
    return facets
