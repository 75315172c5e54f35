"""Celery tasks of the publishing pipeline. Each takes an id and calls a service.

Late acknowledgement, re-queue on a lost worker and the time limits of the
delivery tasks are set in `tracker/settings.py` (CELERY_TASK_ANNOTATIONS),
next to the broker settings they must agree with. The tasks are safe to run
twice: a delivery is claimed with a conditional UPDATE before anything is sent.
"""

from celery import shared_task

from publishing import services


@shared_task(ignore_result=True)
def send_delivery(delivery_id: int) -> str:
    """Send one post to one channel (one attempt)."""
    return services.delivery_send(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def retract_delivery(delivery_id: int) -> str:
    """Take a withdrawn post down from one channel (one attempt)."""
    return services.delivery_retract(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def sweep_deliveries() -> dict:
    """Run by beat: reclaim dead tasks' deliveries and queue lost ones again."""
    return services.deliveries_sweep()
