"""Celery tasks of the core."""

from __future__ import annotations

import socket

from celery import shared_task
from django.core.mail import send_mail


@shared_task
def ping() -> dict:
    """Answer from a worker with what it sees in the database (a liveness check)."""
    from pbudget.models import Cycle

    return {"worker": socket.gethostname(), "cycles": Cycle.objects.count()}


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str) -> int:
    """Send one plain-text e-mail; retried when the mail server is unreachable."""
    return send_mail(subject, body, None, to)
