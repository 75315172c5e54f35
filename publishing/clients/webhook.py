"""A webhook the agency runs: signed JSON over HTTPS.

Each request carries
  Idempotency-Key: the delivery's key, the same on every attempt;
  X-OpenBlotter-Timestamp: Unix seconds when this attempt was signed;
  X-OpenBlotter-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + body, keyed with the shared secret>.
A receiver checks the signature, refuses old timestamps (replays) and does
nothing for a key it has seen: that is how a resend after an unknown outcome
stays one delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from datetime import datetime

from publishing.clients.base import Http, Message, Published, Removal

SIGNATURE_HEADER = "X-OpenBlotter-Signature"
TIMESTAMP_HEADER = "X-OpenBlotter-Timestamp"
KEY_HEADER = "Idempotency-Key"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookClient:
    network = "Webhook"

    def __init__(self, *, url: str, secret: str, timeout: float, **_):
        self.url = url
        self.secret = secret
        self.http = Http(network=self.network, base_url="", timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def _post(self, payload: dict, key: str):
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        timestamp = str(int(time.time()))
        return self.http.request(
            "POST",
            self.url,
            content=body,
            headers={
                "Content-Type": "application/json",
                KEY_HEADER: key,
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(self.secret, timestamp, body),
            },
        )

    def publish(self, message: Message) -> Published:
        response = self._post(
            {
                "event": "post.published",
                "idempotency_key": message.key,
                "post": {
                    "id": message.post_id,
                    "precinct": message.precinct,
                    "kind": message.kind,
                    "body": message.body,
                    "text": message.text,
                    "url": message.permalink,
                    "published_at": message.published_at.isoformat(),
                },
            },
            message.key,
        )
        return Published(remote_url=_url_in(response))

    def reconcile(self, message: Message, *, unknown_since: datetime) -> Published | None:
        # The receiver ignores a key it has seen: resending is the reconciliation.
        return None

    def find(self, message: Message) -> Published | None:
        # A receiver cannot be asked; tell it of a retraction anyway (it ignores unknown posts).
        return Published()

    def delete(self, removal: Removal) -> str:
        self._post(
            {
                "event": "post.retracted",
                "idempotency_key": f"{removal.key}.retracted",
                "post": {
                    "id": removal.post_id,
                    "precinct": removal.precinct,
                    "url": removal.permalink,
                    "reason": removal.reason,
                    "retracted_at": removal.retracted_at.isoformat(),
                },
            },
            f"{removal.key}.retracted",
        )
        return "The webhook was told the post is withdrawn."

    def check(self) -> str:
        key = f"test-{uuid.uuid4().hex}"
        response = self._post({"event": "ping", "idempotency_key": key}, key)
        return f"The webhook accepted a signed test ({response.status_code})."


def _url_in(response) -> str:
    """A receiver may answer with {"url": …}, the place it put the post."""
    try:
        url = response.json().get("url", "")
    except (ValueError, AttributeError):
        return ""
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else ""
