"""Queue e-mail after the current transaction commits."""

from __future__ import annotations

from django.db import transaction


def email_after_commit(*, to: list[str], subject: str, body: str) -> None:
    """Send an e-mail through Celery once the surrounding transaction has committed."""
    from pbudget.tasks import send_email

    if not to:
        return
    transaction.on_commit(lambda: send_email.delay(to=to, subject=subject, body=body))
