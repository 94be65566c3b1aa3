"""Tally a Pabulib file and print one JSON object: ``{"rule", "selected", "total_cost"}``."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from ballots.tally import RULES, tally_file


class Command(BaseCommand):
    help = "Tally a Pabulib .pb file with a rule and print the winners as one JSON object."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="a Pabulib .pb file")
        parser.add_argument("--rule", required=True, choices=list(RULES))
        parser.add_argument(
            "--min-votes", type=int, default=None, help="greedy: skip projects with fewer votes"
        )
        parser.add_argument(
            "--stop-at-first-misfit",
            action="store_true",
            help="greedy: stop at the first project that does not fit",
        )

    def handle(self, *args, **options) -> None:
        extra = {}
        if options["min_votes"] is not None:
            extra["min_votes"] = options["min_votes"]
        if options["stop_at_first_misfit"]:
            extra["stop_at_first_misfit"] = True
        if extra and options["rule"] not in ("greedy", "borda"):
            raise CommandError("--min-votes and --stop-at-first-misfit apply to greedy only")
        try:
            result = tally_file(options["file"], options["rule"], **extra)
        except FileNotFoundError:
            raise CommandError(f"no such file: {options['file']}") from None
        except (ValueError, TypeError) as error:
            raise CommandError(str(error)) from None
        out = {
            "rule": result["rule"],
            "selected": result["selected"],
            "total_cost": result["total_cost"],
        }
        self.stdout.write(json.dumps(out, ensure_ascii=False))
