"""Write a cycle's budget lines as CSV, XLSX or a Fiscal Data Package from the command line.

    python manage.py export_budget --cycle budget-2025 --format fdp --out budget-2025.zip

The file is written beside ``--out`` under a temporary name and renamed when complete.
The export is written to the finance audit log (with no person: the command line).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coproduction.finance import formats, services
from coproduction.models import ExportFormat, FinanceAction
from pbudget.models import Cycle


class Command(BaseCommand):
    help = "Export a cycle's budget lines (CSV, XLSX or Fiscal Data Package zip)."

    def add_arguments(self, parser):
        parser.add_argument("--cycle", required=True, help="The cycle's slug.")
        parser.add_argument(
            "--format", required=True, choices=ExportFormat.values, dest="fmt", help="Format."
        )
        parser.add_argument("--out", required=True, help="Where to write the file.")

    def handle(self, *args, cycle: str, fmt: str, out: str, **options):
        found = Cycle.objects.filter(slug=cycle).first()
        if found is None:
            known = ", ".join(Cycle.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(f"No cycle {cycle!r}. Known cycles: {known or 'none'}.")
        target = Path(out).resolve()
        if not target.parent.is_dir():
            raise CommandError(f"The folder {target.parent} does not exist.")
        handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".export-", suffix=".part")
        os.close(handle)
        try:
            rows = formats.write_export(fmt, found, Path(temp_name))
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        services.audit_write(
            action=FinanceAction.EXPORT_FINISHED,
            cycle=found,
            via="command",
            format=fmt,
            rows=rows,
            size=target.stat().st_size,
            out=str(target),
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {target} ({target.stat().st_size} bytes, {rows} rows, {fmt})."
            )
        )
