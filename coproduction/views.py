"""Pages of the coproduction app. Views check permissions and call services and selectors."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coproduction import selectors, services
from coproduction.charts import bar_chart
from coproduction.extras import proposal_url
from coproduction.forms import (
    DecisionForm,
    LedgerEntryForm,
    OfferContactForm,
    OfferForm,
    OfferSearchForm,
    PledgeForm,
    RateForm,
    ReasonForm,
    VerifyForm,
)
from coproduction.models import (
    LedgerEntry,
    Offer,
    Pledge,
    PledgeStatus,
    Skill,
    Valuation,
    ValuationRate,
    ValuationRun,
)
from pbudget.mfa import mfa_redirect, needs_second_factor, staff_page
from pbudget.models import Cycle
from proposals.models import Proposal, ProposalStatus


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def verifier_page(view):
    """Finance officers and project coordinators; staff also need their second factor."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if needs_second_factor(request):
            return mfa_redirect(request)
        if not request.user.has_perm("coproduction.verify_ledger"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _entries_with_values():
    return LedgerEntry.objects.select_related(
        "project__cycle", "skill", "decision", "contributor", "reverses"
    ).prefetch_related(
        Prefetch("valuations", queryset=Valuation.objects.current(), to_attr="current_values")
    )


# Public pages ---------------------------------------------------------------------------


def dashboard(request, slug: str | None = None):
    """A cycle's coproduction: hours, value and contributors by district and project."""
    cycles = Cycle.objects.published()
    if slug is None:
        # The latest cycle where residents pledged or delivered something, else the current.
        delivered = cycles.filter(proposals__ledger_entries__isnull=False)
        pledged = cycles.filter(proposals__pledges__status=PledgeStatus.ACCEPTED)
        cycle = (
            delivered.order_by("-ideas_opens").first()
            or pledged.order_by("-ideas_opens").first()
            or cycles.current()
        )
    else:
        cycle = get_object_or_404(cycles, slug=slug)
    context: dict = {"cycle": cycle, "cycles": cycles}
    if cycle is not None:
        data = selectors.dashboard(cycle)
        context["data"] = data
        context["hours_chart"] = bar_chart(
            [(row["project__title"], row["hours"]) for row in data["by_project"]],
            title=_("Verified hours by project"),
            unit=_("h"),
        )
        context["value_charts"] = [
            bar_chart(
                [
                    (row["project__district__name"], row["values"].get(currency, 0))
                    for row in data["by_district"]
                ],
                title=_("Verified value by district (%(currency)s)") % {"currency": currency},
                unit=currency,
            )
            for currency in data["currencies"]
        ]
        context["contributors_chart"] = bar_chart(
            [(row["project__district__name"], row["contributors"]) for row in data["by_district"]],
            title=_("Contributors by district"),
            unit="",
        )
    return render(request, "coproduction/dashboard.html", context)


def skill_list(request):
    return render(request, "coproduction/skill_list.html", {"skills": Skill.objects.all()})


def project_detail(request, pk: int):
    """A funded project's budget line: cash cost beside in-kind value, never netted."""
    project = get_object_or_404(
        Proposal.objects.select_related("cycle", "district", "coordinator"),
        pk=pk,
        status=ProposalStatus.SELECTED,
    )
    user = request.user
    can_see_ledger = user.is_authenticated and (
        user.has_perm("coproduction.manage_rates") or project.coordinator_id == user.pk
    )
    context = {
        "project": project,
        "line": selectors.project_budget_line(project),
        "can_log": user.has_perm("coproduction.add_ledgerentry", project),
        "can_see_ledger": can_see_ledger,
    }
    if can_see_ledger:
        context["entries"] = _entries_with_values().filter(project=project)[:200]
    return render(request, "coproduction/project_detail.html", context)


# Residents ------------------------------------------------------------------------------


@login_required
def mine(request):
    """My offer, pledges and contributions, with their value and status."""
    user = request.user
    offer = Offer.objects.filter(user=user).prefetch_related("skills").first()
    pledges = Pledge.objects.filter(pledger=user).select_related("proposal__cycle", "skill")
    entries = _entries_with_values().filter(contributor=user)
    coordinated = Proposal.objects.filter(coordinator=user, status=ProposalStatus.SELECTED)
    return render(
        request,
        "coproduction/mine.html",
        {
            "offer": offer,
            "pledges": pledges,
            "entries": entries,
            "coordinated": coordinated.select_related("cycle"),
            "can_verify": user.has_perm("coproduction.verify_ledger"),
        },
    )


@login_required
def offer_edit(request):
    if not request.user.has_perm("coproduction.change_offer"):
        raise PermissionDenied
    offer = Offer.objects.filter(user=request.user).first()
    form = OfferForm(request.POST or None, instance=offer)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        skills = list(data.pop("skills"))
        try:
            services.offer_save(user=request.user, fields=data, skills=skills)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Your offer has been saved. Thank you!"))
            return redirect("coproduction:mine")
    return render(
        request,
        "coproduction/offer_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def offer_search(request):
    """Who could help build this? Visible offers by skill and district."""
    if not request.user.has_perm("coproduction.search_offers"):
        raise PermissionDenied
    form = OfferSearchForm(request.GET or None)
    offers = None
    if form.is_valid():
        offers = selectors.offer_search(
            skill=form.cleaned_data["skill"],
            district=form.cleaned_data["district"],
            text=form.cleaned_data["text"],
        )[:100]
    elif not request.GET:
        offers = selectors.offer_search()[:100]
    return render(request, "coproduction/offer_search.html", {"form": form, "offers": offers})


@login_required
def offer_contact(request, pk: int):
    """Write to a person who offered help; pbudget relays the message by e-mail."""
    if not request.user.has_perm("coproduction.search_offers"):
        raise PermissionDenied
    offer = get_object_or_404(selectors.offer_search().exclude(user=request.user), pk=pk)
    form = OfferContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_contact(
                offer=offer, sender=request.user, message=form.cleaned_data["message"]
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Your message was sent to %(name)s.") % {"name": offer.user.public_name},
            )
            return redirect("coproduction:offer_search")
    return render(
        request,
        "coproduction/offer_contact.html",
        {"form": form, "offer": offer},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def pledge_create(request, pk: int):
    proposal = get_object_or_404(
        Proposal.objects.public().select_related("cycle", "district"), pk=pk
    )
    if not request.user.has_perm("coproduction.add_pledge", proposal):
        raise PermissionDenied
    form = PledgeForm(request.POST or None, currency=proposal.cycle.currency)
    if request.method == "POST" and form.is_valid():
        try:
            services.pledge_create(proposal=proposal, pledger=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Thank you! Your pledge will count once staff have reviewed it."),
            )
            return redirect(proposal_url(proposal))
    from pbudget import registry

    return render(
        request,
        "coproduction/pledge_form.html",
        {
            "form": form,
            "proposal": proposal,
            "inkind": registry.proposal_extras([proposal], "list").get(proposal.pk, ""),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def pledge_withdraw(request, pk: int):
    pledge = get_object_or_404(Pledge, pk=pk)
    if not request.user.has_perm("coproduction.withdraw_pledge", pledge):
        raise Http404
    try:
        services.pledge_withdraw(pledge=pledge, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your pledge was withdrawn."))
    return redirect("coproduction:mine")


# Pledge review (reviewers, administrators) ------------------------------------------------


@staff_page("coproduction.review_pledge")
def pledge_review_list(request):
    pending = (
        Pledge.objects.pending()
        .select_related("proposal__cycle", "proposal__district", "pledger", "skill")
        .order_by("created_at")
    )
    recent = (
        Pledge.objects.exclude(status=PledgeStatus.PENDING)
        .exclude(decided_at=None)
        .select_related("proposal__cycle", "pledger", "decided_by")
        .order_by("-decided_at")[:20]
    )
    return render(
        request, "coproduction/pledge_review_list.html", {"pending": pending, "recent": recent}
    )


@staff_page("coproduction.review_pledge")
def pledge_decide(request, pk: int):
    pledge = get_object_or_404(
        Pledge.objects.select_related("proposal__cycle", "pledger", "skill"), pk=pk
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pledge_decide(
                pledge=pledge,
                by=request.user,
                accept=form.cleaned_data["decision"] == "accept",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("The pledge was %(status)s.")
                % {"status": Pledge.objects.get(pk=pledge.pk).get_status_display().lower()},
            )
            return redirect("coproduction:pledge_review_list")
    return render(
        request,
        "coproduction/pledge_decide.html",
        {"form": form, "pledge": pledge},
        status=400 if request.method == "POST" else 200,
    )


# The ledger -------------------------------------------------------------------------------


@login_required
def entry_create(request, pk: int):
    project = get_object_or_404(
        Proposal.objects.select_related("cycle"), pk=pk, status=ProposalStatus.SELECTED
    )
    user = request.user
    on_behalf = user.has_perm("coproduction.log_on_behalf", project)
    if not (on_behalf or user.has_perm("coproduction.add_ledgerentry", project)):
        raise PermissionDenied
    form = LedgerEntryForm(
        request.POST or None,
        request.FILES or None,
        currency=project.cycle.currency,
        contributors=(
            selectors.project_contributors(project, entered_by=user) if on_behalf else None
        ),
        initial={"contributor": user.pk} if on_behalf else None,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        contributor = data.pop("contributor", None) or user
        try:
            entry = services.ledger_entry_create(
                project=project, contributor=contributor, entered_by=user, **data
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request, _("Logged. A finance officer or the project coordinator will verify it.")
            )
            if entry.flags:
                messages.warning(
                    request,
                    _("Please check: %(flags)s.") % {"flags": "; ".join(entry.get_flags_display())},
                )
            return redirect("coproduction:entry_detail", pk=entry.pk)
    return render(
        request,
        "coproduction/entry_form.html",
        {"form": form, "project": project, "on_behalf": on_behalf},
        status=400 if request.method == "POST" else 200,
    )


def _entry_or_404(request, pk: int) -> LedgerEntry:
    entry = get_object_or_404(_entries_with_values(), pk=pk)
    if not request.user.has_perm("coproduction.view_ledgerentry", entry):
        raise Http404
    return entry


@login_required
def entry_detail(request, pk: int):
    entry = _entry_or_404(request, pk)
    user = request.user
    return render(
        request,
        "coproduction/entry_detail.html",
        {
            "entry": entry,
            "valuations": entry.valuations.select_related("rate").order_by("-revision"),
            "can_verify": user.has_perm("coproduction.verify_ledgerentry", entry),
            "can_reverse": (
                entry.status == "verified"
                and not entry.is_reversal
                and not hasattr(entry, "reversed_by")
                and user.has_perm("coproduction.reverse_ledgerentry", entry)
            ),
            "reverse_form": ReasonForm(),
        },
    )


@login_required
def entry_evidence(request, pk: int):
    entry = _entry_or_404(request, pk)
    if not entry.evidence:
        raise Http404
    response = FileResponse(entry.evidence.open("rb"), as_attachment=False)
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


@verifier_page
def ledger_queue(request):
    """Entries waiting for a decision that this user may verify."""
    user = request.user
    entries = (
        _entries_with_values().awaiting_decision().exclude(Q(contributor=user) | Q(entered_by=user))
    )
    if not user.has_perm("coproduction.manage_rates"):
        entries = entries.filter(project__coordinator=user)
    entries = entries.select_related("project__district").order_by("worked_on", "pk")[:200]
    return render(request, "coproduction/ledger_queue.html", {"entries": entries})


@verifier_page
def entry_decide(request, pk: int):
    entry = get_object_or_404(_entries_with_values(), pk=pk)
    if not request.user.has_perm("coproduction.verify_ledgerentry", entry):
        raise PermissionDenied
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.ledger_entry_decide(
                entry=entry,
                by=request.user,
                verify=form.cleaned_data["decision"] == "verify",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Entry #%(pk)s %(outcome)s.")
                % {"pk": entry.pk, "outcome": decision.get_outcome_display().lower()},
            )
            return redirect("coproduction:entry_detail", pk=entry.pk)
    return render(
        request,
        "coproduction/entry_decide.html",
        {"form": form, "entry": entry},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@verifier_page
def entry_reverse(request, pk: int):
    entry = get_object_or_404(_entries_with_values(), pk=pk)
    if not request.user.has_perm("coproduction.reverse_ledgerentry", entry):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the entry is reversed."))
        return redirect("coproduction:entry_detail", pk=entry.pk)
    try:
        reversal = services.ledger_entry_reverse(
            entry=entry, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("coproduction:entry_detail", pk=entry.pk)
    messages.success(request, _("Entry #%(pk)s was reversed.") % {"pk": entry.pk})
    return redirect("coproduction:entry_detail", pk=reversal.pk)


# Valuation rates (finance officers) -------------------------------------------------------


@staff_page("coproduction.manage_rates")
def rate_list(request):
    return render(
        request,
        "coproduction/rate_list.html",
        {
            "rates": ValuationRate.objects.all(),
            "runs": ValuationRun.objects.select_related("cycle", "requested_by")[:10],
            "cycles": Cycle.objects.all(),
            "revalue_form": ReasonForm(),
        },
    )


@staff_page("coproduction.manage_rates")
def rate_create(request):
    form = RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rate = services.rate_create(by=request.user, fields=form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Rate added: %(rate)s. Values already recorded keep their rate.")
                % {"rate": rate},
            )
            return redirect("coproduction:rate_list")
    return render(
        request,
        "coproduction/rate_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@staff_page("coproduction.revalue")
def revalue(request, slug: str):
    cycle = get_object_or_404(Cycle, slug=slug)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why you revalue."))
        return redirect("coproduction:rate_list")
    services.valuation_run_create(cycle=cycle, by=request.user, reason=form.cleaned_data["reason"])
    messages.success(
        request,
        _("Revaluation of “%(cycle)s” queued: new values will be written beside the old ones.")
        % {"cycle": cycle.name},
    )
    return redirect("coproduction:rate_list")
