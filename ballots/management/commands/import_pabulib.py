"""Import a Pabulib .pb file as a past cycle (projects, budget and anonymous ballots)."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ballots.counting.services import pabulib_import
from pbudget.models import TallyRule


class Command(BaseCommand):
    help = "Import a Pabulib .pb file as a new cycle whose vote is over."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="a Pabulib .pb file")
        parser.add_argument("--cycle-slug", required=True, help="slug of the new cycle")
        parser.add_argument(
            "--rule", choices=TallyRule.values, help="tally rule (default: the file's rule)"
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"no such file: {path}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text") from None
        try:
            cycle = pabulib_import(
                text=text,
                file_name=path.name,
                slug=options["cycle_slug"],
                rule=options["rule"],
                user=None,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"Imported {path.name} as {cycle.slug}: {cycle.proposals.count()} projects, "
            f"{cycle.ballots.count()} ballots."
        )
