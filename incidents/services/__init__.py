"""Every write goes through these functions (STYLE.md: services).

Each service takes `acting_user`, runs in one transaction, validates against
the current state of the database, writes, records what happened, and queues
tasks only after commit. Refusals raise `Refused` and change nothing.
"""

from incidents.services.errors import IncidentChanged, PostConflict, Refused
from incidents.services.incidents import TRANSITIONS, UNCHANGED, Change, followup_add, incident_create

__all__ = [
    "TRANSITIONS",
    "UNCHANGED",
    "Change",
    "IncidentChanged",
    "PostConflict",
    "Refused",
    "followup_add",
    "incident_create",
]
