"""Run every housekeeping clean-up once, now (for cron, instead of or besides Celery beat)."""

from django.core.management.base import BaseCommand, CommandError

from pbudget.tasks import housekeeping


class Command(BaseCommand):
    help = (
        "Delete what has outlived its use: expired export files, images held for abandoned "
        "proposal forms, expired sessions. Celery beat runs the same every "
        "PBUDGET_HOUSEKEEPING_SECONDS."
    )

    def handle(self, *args, **options) -> None:
        done = housekeeping()
        for name, removed in done.items():
            if removed is None:
                self.stderr.write(f"{name}: failed (see the log)")
            else:
                self.stdout.write(f"{name}: {removed} removed")
        if any(removed is None for removed in done.values()):
            raise CommandError("a clean-up failed")
