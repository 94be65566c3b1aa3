"""Writes of the finance module: budget coding, export jobs, downloads, and their audit.

Every code change, export and download (or refused download) writes one FinanceAuditLog
row; that table refuses UPDATE and DELETE in PostgreSQL.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coproduction.finance import formats, selectors
from coproduction.models import (
    BudgetCoding,
    ExportFormat,
    ExportJob,
    ExportStatus,
    FinanceAction,
    FinanceAuditLog,
)
from pbudget.models import Cycle, User
from proposals.models import Proposal, ProposalStatus

logger = logging.getLogger(__name__)

# A person may have this many exports waiting or running at once.
MAX_OPEN_EXPORTS = 3


class ExportUnavailable(Exception):
    """The export cannot be downloaded (any more): ``reason`` is used, expired, not-ready
    or failed."""

    def __init__(self, job: ExportJob, reason: str):
        super().__init__(reason)
        self.job = job
        self.reason = reason


def export_dir() -> Path:
    path = Path(settings.PBUDGET_EXPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def link_lifetime() -> timedelta:
    return timedelta(hours=settings.PBUDGET_EXPORT_LINK_HOURS)


def audit_write(
    *,
    action: str,
    actor: User | None = None,
    cycle: Cycle | None = None,
    project: Proposal | None = None,
    job: ExportJob | None = None,
    field: str = "",
    old_value: str = "",
    new_value: str = "",
    **detail,
) -> FinanceAuditLog:
    """Append one entry to the finance audit log."""
    return FinanceAuditLog.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        cycle=cycle,
        project=project,
        job=job,
        field=field,
        old_value=old_value[:120],
        new_value=new_value[:120],
        detail=detail,
    )


@transaction.atomic
def budget_coding_set(*, project: Proposal, actor: User, **codes: str) -> BudgetCoding:
    """Set the fund and the codes the review left empty; log each change (old → new).

    ``codes`` holds any of fund, department, program, account_code. A code the review set
    cannot be changed here (code ``set_by_review``); nothing changes for equal values.
    """
    unknown = set(codes) - set(selectors.CODING_FIELDS)
    if unknown:
        raise ValueError(f"unknown budget codes: {sorted(unknown)}")
    if project.status != ProposalStatus.SELECTED:
        raise ValidationError(_("Only funded projects have budget lines."), code="not_funded")
    errors = {}
    for field in selectors.CODE_FIELDS:
        value = (codes.get(field) or "").strip()
        reviewed = getattr(project, field)
        if field in codes and value and reviewed and value != reviewed:
            errors[field] = ValidationError(
                _("The review set this code; change it in the review."), code="set_by_review"
            )
    if errors:
        raise ValidationError(errors)
    coding = BudgetCoding.objects.select_for_update().filter(project=project).first()
    if coding is None:
        coding = BudgetCoding(project=project, updated_by=actor)
    changes = []
    for field, value in codes.items():
        value = (value or "").strip()
        if field != "fund" and getattr(project, field):
            continue  # the review's code wins
        old = getattr(coding, field)
        if value != old:
            setattr(coding, field, value)
            changes.append((field, old, value))
    if not changes:
        return coding
    coding.updated_by = actor
    coding.save()
    for field, old, new in changes:
        audit_write(
            action=FinanceAction.CODE_CHANGED,
            actor=actor,
            cycle=project.cycle,
            project=project,
            field=field,
            old_value=old,
            new_value=new,
        )
    return coding


@transaction.atomic
def export_request(*, user: User, cycle: Cycle, fmt: str) -> ExportJob:
    """Ask for an export of ``cycle`` in ``fmt``; a worker writes it after commit."""
    if fmt not in ExportFormat.values:
        raise ValidationError(_("Choose a format to export."), code="unknown_format")
    export_fail_stuck(user=user)
    open_jobs = ExportJob.objects.filter(
        requested_by=user, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    ).count()
    if open_jobs >= MAX_OPEN_EXPORTS:
        raise ValidationError(
            _("You have %(count)d exports in progress. Wait for one to finish."),
            code="too_many_exports",
            params={"count": open_jobs},
        )
    job = ExportJob.objects.create(
        requested_by=user,
        cycle=cycle,
        format=fmt,
        token=secrets.token_urlsafe(32),
        expires_at=timezone.now() + link_lifetime(),
        rows_total=selectors.ledger_count(cycle) if fmt in ("xlsx", "fdp") else 0,
    )
    audit_write(action=FinanceAction.EXPORT_REQUESTED, actor=user, cycle=cycle, job=job, format=fmt)
    from coproduction.tasks_finance import run_export

    transaction.on_commit(lambda: run_export.delay(job_id=job.pk))
    transaction.on_commit(export_purge_expired)
    return job


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def export_run(*, job_id: int) -> ExportJob:
    """Write the file of an export job, reporting progress; idempotent.

    A finished or failed job is left alone; a job found running (its worker died) is
    written again from the start. The file is written to a temporary name and renamed
    when complete, so a half-written file is never offered.
    """
    claimed = ExportJob.objects.filter(
        pk=job_id, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    ).update(status=ExportStatus.RUNNING, started_at=timezone.now(), progress=0)
    job = ExportJob.objects.select_related("cycle").get(pk=job_id)
    if not claimed:
        return job
    directory = export_dir()
    final = directory / f"export-{job.pk}.{formats.EXTENSIONS[job.format]}"
    handle, temp_name = tempfile.mkstemp(dir=directory, prefix=f".export-{job.pk}-", suffix=".part")
    os.close(handle)
    temp = Path(temp_name)
    total = max(job.rows_total, 1)

    def progress(rows: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(
            rows_written=rows, progress=min(99, rows * 100 // total)
        )

    try:
        rows = formats.write_export(job.format, job.cycle, temp, progress=progress)
        os.replace(temp, final)
    except Exception as error:
        temp.unlink(missing_ok=True)
        logger.exception("finance export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, error=str(error)[:500], finished_at=timezone.now()
        )
        job.refresh_from_db()
        audit_write(
            action=FinanceAction.EXPORT_FAILED, cycle=job.cycle, job=job, error=str(error)[:200]
        )
        return job
    now = timezone.now()
    size = final.stat().st_size
    digest = _sha256(final)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.DONE,
        progress=100,
        rows_written=rows,
        file_name=final.name,
        size=size,
        sha256=digest,
        finished_at=now,
        expires_at=now + link_lifetime(),
    )
    job.refresh_from_db()
    audit_write(
        action=FinanceAction.EXPORT_FINISHED,
        cycle=job.cycle,
        job=job,
        format=job.format,
        rows=rows,
        size=size,
        sha256=digest,
    )
    return job


def export_download(*, token: str, user: User):
    """Hand out an export's file once, to the person who asked, before it expires.

    Returns (job, open binary file). Raises PermissionDenied for an unknown link or
    someone else's (both audited), ExportUnavailable when used, expired, not ready or
    failed. The file is deleted once handed out.
    """
    from django.core.exceptions import PermissionDenied

    problem: Exception | None = None
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update()
            .select_related("cycle")
            .filter(token=token)
            .first()
        )
        now = timezone.now()
        path = export_dir() / job.file_name if job is not None and job.file_name else None
        if job is None:
            problem = PermissionDenied("unknown-link")
        elif job.requested_by_id != user.pk:
            problem = PermissionDenied("not-the-requester")
        elif job.status == ExportStatus.FAILED:
            problem = ExportUnavailable(job, "failed")
        elif job.status != ExportStatus.DONE:
            problem = ExportUnavailable(job, "not-ready")
        elif job.downloaded_at is not None:
            problem = ExportUnavailable(job, "used")
        elif job.expires_at <= now or path is None or not path.exists():
            problem = ExportUnavailable(job, "expired")
        if problem is not None:
            audit_write(
                action=FinanceAction.DOWNLOAD_REFUSED,
                actor=user,
                cycle=job.cycle if job else None,
                job=job,
                reason=str(problem),
            )
        else:
            handle = open(path, "rb")  # noqa: SIM115 (closed by the response)
            job.downloaded_at = now
            job.save(update_fields=["downloaded_at"])
            audit_write(
                action=FinanceAction.DOWNLOADED,
                actor=user,
                cycle=job.cycle,
                job=job,
                format=job.format,
                size=job.size,
                sha256=job.sha256,
            )
            transaction.on_commit(lambda: path.unlink(missing_ok=True))
    if problem is not None:
        raise problem
    return job, handle


def export_fail_stuck(*, user: User | None = None) -> int:
    """Mark failed the exports (of ``user``, or everyone's) still queued or running
    PBUDGET_EXPORT_STUCK_MINUTES after they started or were asked for; return how many.

    Their task was lost (a worker died and the message was not redelivered, or the broker
    lost it). A redelivered task then leaves the failed job alone (``export_run``).
    """
    limit = timezone.now() - timedelta(minutes=settings.PBUDGET_EXPORT_STUCK_MINUTES)
    stuck = ExportJob.objects.filter(
        status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING],
        created_at__lt=limit,
    ).exclude(started_at__gte=limit)
    if user is not None:
        stuck = stuck.filter(requested_by=user)
    failed = 0
    for job in stuck.select_related("cycle"):
        with transaction.atomic():
            marked = ExportJob.objects.filter(
                pk=job.pk, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
            ).update(
                status=ExportStatus.FAILED,
                error=_("The export took too long and was stopped. Ask for it again."),
                finished_at=timezone.now(),
            )
            if marked:
                audit_write(
                    action=FinanceAction.EXPORT_FAILED, cycle=job.cycle, job=job, error="stuck"
                )
                failed += 1
    if failed:
        logger.warning("finance exports: %d stuck exports marked failed", failed)
    return failed


def export_purge_expired() -> int:
    """Delete the files of exports past their expiry (the job rows stay, for the audit);
    mark failed the exports whose task was lost (``export_fail_stuck``)."""
    export_fail_stuck()
    removed = 0
    for job in ExportJob.objects.filter(
        expires_at__lte=timezone.now(), downloaded_at__isnull=True
    ).exclude(file_name=""):
        path = export_dir() / job.file_name
        if path.exists():
            path.unlink(missing_ok=True)
            removed += 1
    return removed
