"""The idle timeout of desk sessions, without a database write on every request.

A session ends when its row's `expire_date` passes, SESSION_COOKIE_AGE seconds
after it was last saved. Saving it on every request (SESSION_SAVE_EVERY_REQUEST)
keeps that exact, but costs every signed-in request an UPDATE of its session
row. `IdleSessionMiddleware` saves it only when its last save is
SESSION_REFRESH_SECONDS old or more (or when the request changed it anyway), so
a session now ends between SESSION_COOKIE_AGE - SESSION_REFRESH_SECONDS and
SESSION_COOKIE_AGE seconds after its last request (29 to 30 minutes by
default): a little before the idle timeout at worst, never after.

As before, any request that carries a live session cookie counts as activity.
The time of the last save is read from the row's expiry, which this module's
`SessionStore` (SESSION_ENGINE = "precincts.sessions") remembers when it loads
the session.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from tracker.prepared import NO_MOMENT, PreparedRead

# Every signed-in request reads its session: compiled once per connection (tracker.prepared).
_live_sessions = PreparedRead(
    Session,
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now).values_list(
        "session_data", "expire_date", named=True
    ),
    "\x00no such session",
    NO_MOMENT,
)


class SessionStore(db.SessionStore):
    """Django's database sessions, remembering when the loaded session row expires."""

    expire_date: datetime | None = None

    def _get_session_from_db(self):
        """The live session row (its data and expiry) for the cookie's key, as Django's own reads it; None
        (and no key) if there is none."""
        rows = _live_sessions(self.session_key, timezone.now())
        if not rows:
            self._session_key = None
            self.expire_date = None
            return None
        self.expire_date = rows[0].expire_date
        return rows[0]


def note_activity(session, *, interval: int, now: datetime | None = None) -> None:
    """Mark the session for saving, which pushes its expiry back, if its last save is `interval` seconds old."""
    if session.is_empty():  # no session cookie, or the request signed out
        return
    if not session.items():  # reads the session if the request did not; the cookie's session may be gone
        return
    if session.modified:  # saved anyway
        return
    expires = getattr(session, "expire_date", None)
    now = now or timezone.now()
    if expires is None or expires - now <= timedelta(seconds=session.get_expiry_age() - interval):
        session.modified = True


class IdleSessionMiddleware:
    """Goes right after SessionMiddleware, so it sees the session as the request left it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.interval = settings.SESSION_REFRESH_SECONDS

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None:
            note_activity(session, interval=self.interval)
        return response
