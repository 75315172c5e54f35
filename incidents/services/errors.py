"""What services raise when they refuse. Views turn these into messages."""

from incidents.models import Incident


class Refused(Exception):
    """A change the rules do not allow. `field` names the form field at fault, if one is."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class IncidentChanged(Refused):
    """Somebody else changed the incident since the acting user loaded it."""

    def __init__(self, incident: Incident):
        super().__init__(
            "Someone else updated this report while you were working on it. "
            "Its current state is shown below; check it and submit your change again."
        )
        self.incident = incident


class PostConflict(Refused):
    """Somebody else acted on the post first; `post` is its current state."""

    def __init__(self, post, message: str | None = None):
        super().__init__(
            message
            or f"Someone else acted on this post first: it is now {post.get_status_display().lower()}. "
            "Nothing you sent was applied."
        )
        self.post = post
