"""Finance pages: budget lines per cycle, budget codes, exports and their one-time download.

Finance officers and administrators only, with their second factor (``staff_page``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coproduction.finance import formats, selectors, services
from coproduction.finance.forms import BudgetCodingForm, ExportForm
from coproduction.models import ExportJob
from pbudget.mfa import staff_page
from pbudget.models import Cycle
from proposals.models import Proposal

PERM = "coproduction.view_finance"


@staff_page(PERM)
def finance_index(request):
    return render(
        request,
        "coproduction/finance/index.html",
        {"years": selectors.cycles_by_fiscal_year()},
    )


def _cycle_page(request, cycle: Cycle, *, export_form=None, status=200):
    lines = selectors.budget_lines(cycle)
    return render(
        request,
        "coproduction/finance/cycle.html",
        {
            "cycle": cycle,
            "lines": lines,
            "totals": selectors.totals(lines),
            "assets": selectors.contributed_assets(cycle),
            "export_form": export_form or ExportForm(),
            "exports": selectors.recent_exports(request.user, cycle),
            "changes": selectors.code_changes(cycle),
            "phase_labels": selectors.PHASE_LABELS,
        },
        status=status,
    )


@staff_page(PERM)
def finance_cycle(request, slug: str):
    return _cycle_page(request, get_object_or_404(Cycle, slug=slug))


@staff_page("coproduction.change_budgetcoding")
def budget_coding_edit(request, slug: str, pk: int):
    cycle = get_object_or_404(Cycle, slug=slug)
    project = get_object_or_404(
        Proposal.objects.funded().select_related("district"), pk=pk, cycle=cycle
    )
    coding = selectors.coding_of(project)
    form = BudgetCodingForm(request.POST or None, project=project, coding=coding)
    if request.method == "POST" and form.is_valid():
        codes = {
            name: value
            for name, value in form.cleaned_data.items()
            if not form.fields[name].disabled
        }
        try:
            services.budget_coding_set(project=project, actor=request.user, **codes)
        except ValidationError as error:
            for field, errors in getattr(error, "error_dict", {None: error.error_list}).items():
                form.add_error(field, errors)
        else:
            messages.success(
                request, _("Budget codes of “%(title)s” saved.") % {"title": project.title}
            )
            return redirect(f"{cycle_url(cycle)}#line-{project.pk}")
    return render(
        request,
        "coproduction/finance/coding_form.html",
        {"cycle": cycle, "project": project, "form": form},
    )


def cycle_url(cycle: Cycle) -> str:
    from django.urls import reverse

    return reverse("coproduction:finance_cycle", kwargs={"slug": cycle.slug})


@require_POST
@staff_page(PERM)
def export_create(request, slug: str):
    cycle = get_object_or_404(Cycle, slug=slug)
    form = ExportForm(request.POST)
    if form.is_valid():
        try:
            job = services.export_request(
                user=request.user, cycle=cycle, fmt=form.cleaned_data["format"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("coproduction:finance_export", pk=job.pk)
    return _cycle_page(request, cycle, export_form=form, status=400)


def _own_job(request, pk: int) -> ExportJob:
    job = get_object_or_404(ExportJob.objects.select_related("cycle"), pk=pk)
    if job.requested_by_id != request.user.pk:
        raise PermissionDenied
    return job


@staff_page(PERM)
def export_status(request, pk: int):
    """The progress of one's own export; htmx polls the partial until it is done."""
    job = _own_job(request, pk)
    context = {
        "job": job,
        "cycle": job.cycle,
        "file_name": formats.download_name(job.cycle, job.format),
    }
    if request.htmx:
        return render(request, "coproduction/finance/_export_progress.html", context)
    return render(request, "coproduction/finance/export.html", context)


@require_GET  # a HEAD (a link preview) must not use up the one download
@staff_page(PERM)
def export_download(request, token: str):
    try:
        job, handle = services.export_download(token=token, user=request.user)
    except services.ExportUnavailable as problem:
        if problem.reason == "not-ready":
            return redirect("coproduction:finance_export", pk=problem.job.pk)
        return render(
            request,
            "coproduction/finance/export_gone.html",
            {"job": problem.job, "cycle": problem.job.cycle, "reason": problem.reason},
            status=410,
        )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=formats.download_name(job.cycle, job.format),
        content_type=formats.CONTENT_TYPES[job.format],
    )
    response["Cache-Control"] = "no-store"
    return response
