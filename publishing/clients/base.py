"""What every network client shares: the three ways a call can fail, and one
HTTP helper that sorts each failure into the right one.

The sorting is what keeps a post from arriving twice or never:

* `NotDelivered` — the post certainly did not arrive (the connection was
  refused or never made, 429, a 5xx the server sent instead of accepting).
  Retry with backoff.
* `OutcomeUnknown` — the request may have been accepted (a timeout or a
  dropped connection after sending, a gateway timeout). Before any resend the
  network is asked, through its own mechanism, whether the post is there.
* `Rejected` — the network refused it for good (401, 403, 422, other 4xx).
  The delivery fails with the error and waits for a person.

Messages never contain a secret: they carry the status, the network's own
error text (shortened), and the host.
"""

from __future__ import annotations

import email.utils
import functools
import json
import ssl
import time
from dataclasses import dataclass
from datetime import datetime

import httpx
from django.conf import settings

MAX_RETRY_AFTER = 3600.0


class DeliveryError(Exception):
    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.message = message[:500]
        self.retry_after = retry_after


class NotDelivered(DeliveryError):
    """Certainly not arrived: safe to send again after a pause."""


class OutcomeUnknown(DeliveryError):
    """May have arrived: ask the network before sending again."""


class Rejected(DeliveryError):
    """Refused for good: a person must look (credentials, content, address)."""


@dataclass(frozen=True)
class Published:
    """Where the post now is on the network."""

    remote_id: str = ""
    remote_url: str = ""


@dataclass(frozen=True)
class Message:
    """One post, as a channel sends it."""

    key: str
    text: str
    permalink: str
    post_id: int
    precinct: str
    kind: str
    body: str
    published_at: datetime


@dataclass(frozen=True)
class Removal:
    """One published post to take down again."""

    key: str
    remote_id: str
    permalink: str
    post_id: int
    precinct: str
    reason: str
    retracted_at: datetime


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Retry-After as seconds or an HTTP date; Bluesky's RateLimit-Reset (epoch seconds)."""
    value = response.headers.get("retry-after")
    seconds = None
    if value:
        value = value.strip()
        if value.isdigit():
            seconds = float(value)
        else:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                seconds = when.timestamp() - time.time()
    elif (reset := response.headers.get("ratelimit-reset", "").strip()).isdigit():
        seconds = float(reset) - time.time()
    if seconds is None:
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def error_detail(response: httpx.Response) -> str:
    """The network's own words for an error, shortened: JSON `error`/`message`, else text."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        data = None
    if isinstance(data, dict):
        parts = [str(data[k]) for k in ("error", "message", "error_description") if data.get(k)]
        text = ": ".join(dict.fromkeys(parts))
    else:
        text = response.text.strip()
    return text[:200]


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle takes about 80 ms: one context per process, shared by every client.
    return httpx.create_ssl_context()


class Http:
    """An httpx client with short timeouts, no redirects, and failures sorted."""

    def __init__(self, *, network: str, base_url: str, timeout: float, headers: dict | None = None):
        self.network = network
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            verify=_ssl_context(),
            headers={"User-Agent": f"OpenBlotter (+{settings.SITE_URL})", **(headers or {})},
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def request(self, method: str, url: str, *, allow: tuple[int, ...] = (), **kwargs) -> httpx.Response:
        """Send one request. 2xx and the statuses in `allow` are returned; the rest raise."""
        try:
            response = self.client.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Nothing was sent: the connection was never made.
            raise NotDelivered(f"Could not connect to {self.network} ({type(exc).__name__}: {exc}).") from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise Rejected(f"The {self.network} address is not usable: {exc}.") from None
        except httpx.TransportError as exc:
            # Sent, or partly sent, and no answer: it may have been accepted.
            raise OutcomeUnknown(
                f"No answer from {self.network} after sending ({type(exc).__name__}); checking before sending again."
            ) from None
        if response.is_success or response.status_code in allow:
            return response
        raise self.error_for(response)

    def error_for(self, response: httpx.Response) -> DeliveryError:
        status = response.status_code
        detail = error_detail(response)
        said = f": {detail}" if detail else ""
        if status == 429:
            return NotDelivered(
                f"{self.network} is limiting requests (429){said}", retry_after=retry_after_seconds(response)
            )
        if status == 504:
            # A gateway gave up waiting; the server behind it may have accepted the post.
            return OutcomeUnknown(f"{self.network}'s gateway timed out (504){said}")
        if status >= 500:
            return NotDelivered(
                f"{self.network} had a server error ({status}){said}", retry_after=retry_after_seconds(response)
            )
        if status in (401, 403):
            return Rejected(f"{self.network} refused the credentials ({status}){said}")
        return Rejected(f"{self.network} refused the request ({status}){said}")
