"""Sign-in events come only as Django signals; record each one in the audit trail."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from precincts.models import AuditEntry
from tracker.audit import audit_record, client_meta


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def _signed_in(sender, request, user, **kwargs):
    audit_record(action=AuditEntry.Action.SIGN_IN, actor=user, meta=client_meta(request) if request else None)


@receiver(user_logged_out, dispatch_uid="audit_sign_out")
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=AuditEntry.Action.SIGN_OUT, actor=user, meta=client_meta(request) if request else None)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    audit_record(
        action=AuditEntry.Action.SIGN_IN_FAILED,
        username=str(credentials.get("username", ""))[:150],
        meta=client_meta(request) if request else None,
    )
