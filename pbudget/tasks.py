"""Celery tasks of the core."""

from __future__ import annotations

import logging
import socket
from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task
def ping() -> dict:
    """Answer from a worker with what it sees in the database (a liveness check)."""
    from pbudget.models import Cycle

    return {"worker": socket.gethostname(), "cycles": Cycle.objects.count()}


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str) -> int:
    """Send one plain-text e-mail; retried when the mail server is unreachable."""
    return send_mail(subject, body, None, to)


@shared_task
def housekeeping() -> dict[str, int | None]:
    """Run every registered clean-up (``pbudget.registry.CLEANUPS``) once.

    Returns {name: things removed}; a clean-up that fails is logged with its traceback,
    shows as None, and does not stop the others.
    """
    from pbudget.registry import CLEANUPS

    done: dict[str, int | None] = {}
    for name, cleanup in CLEANUPS:
        try:
            done[name] = int(cleanup())
        except Exception:
            logger.exception("housekeeping: %s failed", name)
            done[name] = None
    logger.info("housekeeping: %s", done)
    return done


def clear_expired_sessions() -> int:
    """Delete the sessions past their expiry date (what ``manage.py clearsessions`` does)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if hasattr(store, "get_model_class"):  # db and cached_db: count what goes
        model = store.get_model_class()
        return model.objects.filter(expire_date__lt=timezone.now()).delete()[0]
    store.clear_expired()
    return 0
