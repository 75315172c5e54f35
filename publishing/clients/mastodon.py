"""Mastodon: the statuses API with an access token.

Reconciliation: every attempt sends the delivery's `Idempotency-Key`;
Mastodon remembers it for an hour and answers a repeat with the status it
already made. An attempt more than `KEY_MEMORY` after the unknown outcome
cannot rely on that, so it looks for the permalink among the account's latest
statuses first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from publishing.clients.base import Http, Message, Published, Removal

# Mastodon keeps an Idempotency-Key for 3600 s; leave a margin for clock skew.
KEY_MEMORY = timedelta(minutes=50)
RECENT_STATUSES = 40


class MastodonClient:
    network = "Mastodon"

    def __init__(self, *, url: str, token: str, timeout: float, **_):
        self.http = Http(
            network=self.network, base_url=url, timeout=timeout, headers={"Authorization": f"Bearer {token}"}
        )

    def close(self) -> None:
        self.http.close()

    def publish(self, message: Message) -> Published:
        response = self.http.request(
            "POST",
            "/api/v1/statuses",
            json={"status": message.text, "visibility": "public", "language": "en"},
            headers={"Idempotency-Key": message.key},
        )
        status = response.json()
        return Published(remote_id=str(status["id"]), remote_url=status.get("url") or status.get("uri") or "")

    def reconcile(self, message: Message, *, unknown_since: datetime) -> Published | None:
        """The status, if an earlier attempt made it; None when sending (again) cannot duplicate it."""
        if timezone.now() - unknown_since < KEY_MEMORY:
            # A resend with the same key returns the status if it exists.
            return None
        return self.find(message)

    def find(self, message: Message) -> Published | None:
        """The status among the account's latest that links to the post, if any."""
        account = self.http.request("GET", "/api/v1/accounts/verify_credentials").json()
        statuses = self.http.request(
            "GET", f"/api/v1/accounts/{account['id']}/statuses", params={"limit": RECENT_STATUSES}
        ).json()
        for status in statuses:
            if message.permalink in (status.get("content") or ""):
                return Published(remote_id=str(status["id"]), remote_url=status.get("url") or "")
        return None

    def delete(self, removal: Removal) -> str:
        response = self.http.request("DELETE", f"/api/v1/statuses/{removal.remote_id}", allow=(404,))
        return "Already gone from Mastodon." if response.status_code == 404 else "Deleted from Mastodon."

    def check(self) -> str:
        account = self.http.request("GET", "/api/v1/accounts/verify_credentials").json()
        return f"Signed in to Mastodon as @{account.get('acct') or account.get('username')}."
