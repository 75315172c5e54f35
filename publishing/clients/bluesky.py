"""Bluesky: XRPC calls to the account's service with an app password.

Reconciliation: the record key (a TID) is chosen when the delivery is made and
stored before the first call. A later attempt after an unknown outcome asks
`getRecord` for that key first; and `createRecord` with a key that exists
cannot make a second post, so even a resend without the look-up is safe.

Sessions (`createSession` is rate-limited) are kept in memory per worker
process and made again when the service says the token expired.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from publishing.clients.base import Http, Message, NotDelivered, Published, Rejected, Removal
from publishing.text import bluesky_facets

COLLECTION = "app.bsky.feed.post"
SESSION_SECONDS = 30 * 60
_TOKEN_ERRORS = {"ExpiredToken", "InvalidToken"}


@dataclass(frozen=True)
class _Session:
    access_jwt: str
    did: str
    handle: str
    made_at: float


_sessions: dict[str, _Session] = {}
_sessions_lock = threading.Lock()


def forget_sessions() -> None:
    with _sessions_lock:
        _sessions.clear()


class BlueskyClient:
    network = "Bluesky"

    def __init__(self, *, url: str, handle: str, password: str, timeout: float, **_):
        self.handle = handle.lstrip("@")
        self.password = password
        self.http = Http(network=self.network, base_url=url, timeout=timeout)
        # Sessions are per service, account and password: a changed password signs in anew.
        self._cache_key = hashlib.sha256(f"{url}\0{self.handle}\0{password}".encode()).hexdigest()

    def close(self) -> None:
        self.http.close()

    # --- session -------------------------------------------------------------

    def _session(self, *, fresh: bool = False) -> _Session:
        with _sessions_lock:
            session = _sessions.get(self._cache_key)
        if session and not fresh and time.monotonic() - session.made_at < SESSION_SECONDS:
            return session
        data = self.http.request(
            "POST",
            "/xrpc/com.atproto.server.createSession",
            json={"identifier": self.handle, "password": self.password},
        ).json()
        session = _Session(
            access_jwt=data["accessJwt"],
            did=data["did"],
            handle=data.get("handle", self.handle),
            made_at=time.monotonic(),
        )
        with _sessions_lock:
            _sessions[self._cache_key] = session
        return session

    def _xrpc(self, method: str, nsid: str, *, allow=(), **kwargs):
        """One authenticated call; signs in again once if the token expired."""
        for fresh in (False, True):
            session = self._session(fresh=fresh)
            response = self.http.request(
                method,
                f"/xrpc/{nsid}",
                allow=(400, 401, *allow),
                headers={"Authorization": f"Bearer {session.access_jwt}"},
                **kwargs,
            )
            error = _error_name(response)
            if response.status_code in (400, 401) and error in _TOKEN_ERRORS and not fresh:
                continue
            return session, response
        raise NotDelivered("Bluesky kept refusing a fresh session token.")  # pragma: no cover - loop returns

    # --- delivery --------------------------------------------------------------

    def publish(self, message: Message) -> Published:
        record = {
            "$type": COLLECTION,
            "text": message.text,
            "facets": bluesky_facets(message.text),
            "langs": ["en"],
            # The time the post was published, not of this attempt: every attempt sends the same record.
            "createdAt": message.published_at.astimezone(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
        }
        session, response = self._xrpc(
            "POST",
            "com.atproto.repo.createRecord",
            json={"repo": self._session().did, "collection": COLLECTION, "rkey": message.key, "record": record},
        )
        if response.is_success:
            return self._published(session, message.key)
        if response.status_code == 400:
            # "Record already exists", among others: if our key is there, an
            # earlier attempt made it and this is the same post, not a second one.
            found = self._get(message.key)
            if found is not None:
                return found
        raise self.http.error_for(response)

    def reconcile(self, message: Message, *, unknown_since: datetime) -> Published | None:
        return self._get(message.key)

    def find(self, message: Message) -> Published | None:
        return self._get(message.key)

    def _get(self, rkey: str) -> Published | None:
        session, response = self._xrpc(
            "GET",
            "com.atproto.repo.getRecord",
            params={"repo": self._session().did, "collection": COLLECTION, "rkey": rkey},
        )
        if response.is_success:
            return self._published(session, rkey)
        if response.status_code == 400 and _error_name(response) == "RecordNotFound":
            return None
        raise self.http.error_for(response)

    def _published(self, session: _Session, rkey: str) -> Published:
        return Published(
            remote_id=f"at://{session.did}/{COLLECTION}/{rkey}",
            remote_url=f"https://bsky.app/profile/{session.handle}/post/{rkey}",
        )

    def delete(self, removal: Removal) -> str:
        # deleteRecord succeeds for a record that is already gone.
        _, response = self._xrpc(
            "POST",
            "com.atproto.repo.deleteRecord",
            json={"repo": self._session().did, "collection": COLLECTION, "rkey": removal.key},
        )
        if not response.is_success:
            raise self.http.error_for(response)
        return "Deleted from Bluesky."

    def check(self) -> str:
        try:
            session = self._session(fresh=True)
        except Rejected as refusal:
            raise Rejected(f"Bluesky refused the handle or app password. {refusal.message}") from None
        return f"Signed in to Bluesky as @{session.handle}."


def _error_name(response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    return data.get("error", "") if isinstance(data, dict) else ""
