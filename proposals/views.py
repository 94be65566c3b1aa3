"""Pages of proposals: the list, a proposal, the form, supports, follows, review, delivery."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pbudget import registry
from pbudget.mfa import staff_page
from pbudget.models import Cycle, District, Phase
from proposals import selectors, services
from proposals.forms import (
    ListFilterForm,
    MergeForm,
    ProjectFilterForm,
    ProjectUpdateForm,
    ProposalForm,
    ReviewForm,
    ReviewQueueFilterForm,
    WithdrawForm,
)
from proposals.models import Category, Proposal, ProposalStatus
from proposals.selectors import ProposalFilters

PAGE_SIZES = (10, 20, 50, 100)
DEFAULT_PAGE_SIZE = 20


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("per_page", DEFAULT_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def _form_errors_from(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def proposal_list(request):
    """Every public proposal: search, filters, sort and pages, in a constant number of queries."""
    cycles = list(Cycle.objects.published())
    districts = list(District.objects.all())
    categories = list(Category.objects.all())
    form = ListFilterForm(
        request.GET or None, cycles=cycles, districts=districts, categories=categories
    )
    filters = ProposalFilters()
    if form.is_bound and form.is_valid():
        filters = ProposalFilters(**{k: v or "" for k, v in form.cleaned_data.items()})
    paginator = Paginator(selectors.proposal_list(filters), _page_size(request))
    page = paginator.get_page(request.GET.get("page"))
    proposals = list(page.object_list)
    return render(
        request,
        "proposals/list.html",
        {
            "form": form,
            "page": page,
            "proposals": proposals,
            "extras": registry.proposal_extras(proposals, "list"),
            "supported": selectors.supported_ids(request.user, proposals),
            "is_search": bool(filters.q),
            "ideas_cycles": [c for c in cycles if c.phase == Phase.IDEAS],
        },
    )


def project_list(request):
    """Funded projects and how their delivery is going, filtered by cycle, district, stage."""
    cycles = list(Cycle.objects.published().filter(proposals__status="selected").distinct())
    form = ProjectFilterForm(request.GET or None, cycles=cycles, districts=District.objects.all())
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    projects = selectors.project_list(**{k: v or "" for k, v in filters.items()})
    paginator = Paginator(projects, 24)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "proposals/project_list.html", {"page": page, "form": form})


def _get_visible(request, pk: int) -> Proposal:
    try:
        proposal = selectors.proposal_detail(pk)
    except Proposal.DoesNotExist:
        raise Http404 from None
    if not proposal.cycle.is_published or not request.user.has_perm(
        "proposals.view_proposal", proposal
    ):
        raise Http404
    return proposal


def proposal_detail(request, pk: int):
    proposal = _get_visible(request, pk)
    user = request.user
    context = {
        "proposal": proposal,
        "cycle": proposal.cycle,
        "extras": registry.proposal_extras([proposal], "detail"),
        "sections": registry.proposal_sections(proposal),
        "supporting": selectors.is_supporting(user, proposal),
        "following": selectors.is_following(user, proposal),
        "can_support": user.has_perm("proposals.support_proposal", proposal),
        "can_follow": user.has_perm("proposals.follow_proposal", proposal),
        "can_edit": user.has_perm("proposals.change_proposal", proposal),
        "can_submit": user.has_perm("proposals.submit_proposal", proposal),
        "can_withdraw": user.has_perm("proposals.withdraw_proposal", proposal),
        "can_review": user.has_perm("proposals.review_proposal", proposal),
        "can_post_update": user.has_perm("proposals.post_update", proposal),
        "is_preview": proposal.status == ProposalStatus.DRAFT,
    }
    return render(request, "proposals/detail.html", context)


def _ideas_cycles():
    return [c for c in Cycle.objects.published() if c.phase == Phase.IDEAS]


@login_required
def proposal_create(request):
    """Write a new proposal in a cycle collecting ideas (``?cycle=<slug>``)."""
    slug = request.GET.get("cycle") or request.POST.get("cycle")
    if not slug:
        cycles = _ideas_cycles()
        if len(cycles) != 1:
            return render(request, "proposals/choose_cycle.html", {"cycles": cycles})
        cycle = cycles[0]
    else:
        cycle = get_object_or_404(Cycle.objects.published(), slug=slug)
    if not request.user.has_perm("proposals.add_proposal", cycle):
        raise PermissionDenied
    return _proposal_form_page(request, cycle=cycle, proposal=None)


@login_required
def proposal_edit(request, pk: int):
    proposal = get_object_or_404(Proposal.objects.select_related("cycle"), pk=pk)
    if not request.user.has_perm("proposals.view_proposal", proposal):
        raise Http404
    if not request.user.has_perm("proposals.change_proposal", proposal):
        raise PermissionDenied
    return _proposal_form_page(request, cycle=proposal.cycle, proposal=proposal)


def _submit_check(form, *, proposal: Proposal, cycle: Cycle, existing) -> ProposalForm:
    """The form holding the proposal as saved, validated as for submitting it."""
    data = {}
    for name in ProposalForm.Meta.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    checked = ProposalForm(
        data,
        instance=proposal,
        cycle=cycle,
        is_draft=False,
        existing_images=existing,
        user=form.user,
    )
    checked.is_valid()
    return checked


def _proposal_form_page(request, *, cycle: Cycle, proposal: Proposal | None):
    action = request.POST.get("action", "draft")
    is_draft = proposal is None or proposal.status == ProposalStatus.DRAFT
    existing = list(proposal.images.all()) if proposal else []
    form = ProposalForm(
        request.POST or None,
        request.FILES or None,
        instance=proposal or Proposal(cycle=cycle),
        cycle=cycle,
        is_draft=is_draft and action != "submit",
        existing_images=existing,
        user=request.user,
    )
    if request.method == "GET" and proposal is not None and request.GET.get("check") == "submit":
        # Sent back from "Submit this proposal": mark what is missing, field by field.
        form = _submit_check(form, proposal=proposal, cycle=cycle, existing=existing)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.proposal_save(
                proposal=proposal,
                author=request.user,
                cycle=cycle,
                fields=form.proposal_fields(),
                new_images=form.new_images(),
                alt_texts={
                    image.pk: form.cleaned_data.get(f"alt_existing_{image.pk}") or ""
                    for image in existing
                },
                remove_images=[
                    image.pk for image in existing if form.cleaned_data.get(f"remove_{image.pk}")
                ],
                submit=is_draft and action == "submit",
            )
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            form.discard_held()
            if saved.status == ProposalStatus.SUBMITTED and is_draft:
                messages.success(
                    request,
                    _("Your proposal has been submitted. Residents can now see and support it."),
                )
                return redirect(saved)
            if not is_draft:
                messages.success(request, _("Your changes have been saved."))
                return redirect(saved)
            if action == "preview":
                return redirect(saved)
            messages.success(request, _("Draft saved. Only you can see it until you submit it."))
            return redirect("proposals:edit", pk=saved.pk)
    status = 400 if request.method == "POST" else 200
    # Browsers cannot refill file inputs: keep the images that were fine, name the others.
    reattach = form.hold_images() if request.method == "POST" else []
    return render(
        request,
        "proposals/form.html",
        {
            "form": form,
            "cycle": cycle,
            "proposal": proposal,
            "is_draft": is_draft,
            "reattach": reattach,
        },
        status=status,
    )


@login_required
@require_POST
def proposal_submit(request, pk: int):
    proposal = get_object_or_404(Proposal.objects.select_related("cycle"), pk=pk)
    if not request.user.has_perm("proposals.view_proposal", proposal):
        raise Http404
    if not request.user.has_perm("proposals.submit_proposal", proposal):
        raise PermissionDenied
    try:
        services.proposal_submit(proposal=proposal, actor=request.user)
    except ValidationError:
        messages.error(
            request,
            _("Your proposal is not complete yet: complete the marked fields and submit it."),
        )
        return redirect(f"{reverse('proposals:edit', kwargs={'pk': proposal.pk})}?check=submit")
    messages.success(
        request, _("Your proposal has been submitted. Residents can now see and support it.")
    )
    return redirect(proposal)


@login_required
def proposal_withdraw(request, pk: int):
    proposal = get_object_or_404(Proposal.objects.select_related("cycle"), pk=pk)
    if not request.user.has_perm("proposals.view_proposal", proposal):
        raise Http404
    if not request.user.has_perm("proposals.withdraw_proposal", proposal):
        raise PermissionDenied
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_withdraw(
                proposal=proposal, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, _("Your proposal has been withdrawn."))
            return redirect(proposal)
    return render(request, "proposals/withdraw.html", {"form": form, "proposal": proposal})


@login_required
@require_POST
def proposal_support(request, pk: int):
    """Add or take back a support; answers htmx with the support block, others with a redirect."""
    proposal = get_object_or_404(Proposal.objects.select_related("cycle"), pk=pk)
    if not request.user.has_perm("proposals.view_proposal", proposal):
        raise Http404
    if not request.user.has_perm("proposals.support_proposal", proposal):
        raise PermissionDenied
    try:
        if request.POST.get("action") == "remove":
            services.support_remove(proposal=proposal, user=request.user)
            text = _("You no longer support this proposal.")
        else:
            services.support_add(proposal=proposal, user=request.user)
            text = _("Thank you: you support this proposal.")
    except ValidationError as error:
        raise PermissionDenied(error.messages[0]) from None
    proposal.refresh_from_db(fields=["support_count"])
    if request.htmx:
        return render(
            request,
            "proposals/_support.html",
            {
                "proposal": proposal,
                "supporting": selectors.is_supporting(request.user, proposal),
                "can_support": True,
                "status_text": text,
            },
        )
    messages.success(request, text)
    return redirect(proposal)


@login_required
@require_POST
def proposal_follow(request, pk: int):
    proposal = get_object_or_404(Proposal, pk=pk)
    if not request.user.has_perm("proposals.view_proposal", proposal):
        raise Http404
    if not request.user.has_perm("proposals.follow_proposal", proposal):
        raise PermissionDenied
    if request.POST.get("action") == "unfollow":
        services.follow_remove(proposal=proposal, user=request.user)
        messages.success(request, _("You no longer follow this proposal."))
    else:
        services.follow_add(proposal=proposal, user=request.user)
        messages.success(
            request, _("You follow this proposal: we will e-mail you when it moves on.")
        )
    return redirect(proposal)


# Staff ----------------------------------------------------------------------------------


@staff_page("proposals.review_proposal")
def review_queue(request):
    cycles = [c for c in Cycle.objects.published() if c.phase == Phase.REVIEW]
    districts = list(District.objects.all())
    categories = list(Category.objects.all())
    form = ReviewQueueFilterForm(
        request.GET or None, cycles=cycles, districts=districts, categories=categories
    )
    params = form.cleaned_data if form.is_bound and form.is_valid() else {}
    cycle = next((c for c in cycles if c.slug == params.get("cycle")), None)
    queryset = selectors.review_queue(
        cycle=cycle,
        district=params.get("district", ""),
        category=params.get("category", ""),
        status=params.get("status", ""),
        q=params.get("q", ""),
    )
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "proposals/review_queue.html",
        {"form": form, "page": page, "cycles": cycles},
    )


def _reviewable(request, pk: int) -> Proposal:
    proposal = get_object_or_404(
        Proposal.objects.select_related("cycle", "district", "category", "author"), pk=pk
    )
    if not request.user.has_perm("proposals.review_proposal", proposal):
        raise PermissionDenied
    return proposal


def _review_page(request, proposal, *, review_form=None, merge_form=None, status=200):
    initial = {
        "decision": {
            ProposalStatus.FEASIBLE: "feasible",
            ProposalStatus.NOT_FEASIBLE: "not_feasible",
        }.get(proposal.status),
        "official_cost": proposal.official_cost or proposal.estimated_cost,
        "explanation": proposal.feasibility_explanation,
        "department": proposal.department,
        "program": proposal.program,
        "account_code": proposal.account_code,
        "internal_notes": proposal.internal_notes,
    }
    return render(
        request,
        "proposals/review.html",
        {
            "proposal": proposal,
            "cycle": proposal.cycle,
            "review_form": review_form
            or ReviewForm(initial=initial, currency=proposal.cycle.currency),
            "merge_form": merge_form or MergeForm(proposal=proposal),
            "events": proposal.events.select_related("actor"),
        },
        status=status,
    )


@staff_page("proposals.review_proposal")
def proposal_review(request, pk: int):
    proposal = _reviewable(request, pk)
    if request.method != "POST":
        return _review_page(request, proposal)
    form = ReviewForm(request.POST, currency=proposal.cycle.currency)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.proposal_review(
                proposal=proposal,
                reviewer=request.user,
                is_feasible=data["decision"] == "feasible",
                explanation=data["explanation"],
                official_cost=data["official_cost"],
                department=data["department"],
                program=data["program"],
                account_code=data["account_code"],
                internal_notes=data["internal_notes"],
            )
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, _("Review of “%(title)s” saved.") % {"title": proposal.title})
            return redirect("proposals:review_queue")
    return _review_page(request, proposal, review_form=form, status=400)


@staff_page("proposals.merge_proposal")
def proposal_merge(request, pk: int):
    proposal = _reviewable(request, pk)
    if not request.user.has_perm("proposals.merge_proposal", proposal):
        raise PermissionDenied
    if request.method != "POST":
        return _review_page(request, proposal)
    form = MergeForm(request.POST, proposal=proposal)
    if form.is_valid():
        try:
            kept = services.proposal_merge(
                proposal=proposal,
                into=form.cleaned_data["into"],
                reviewer=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(
                request,
                _("“%(duplicate)s” was merged into “%(kept)s”.")
                % {"duplicate": proposal.title, "kept": kept.title},
            )
            return redirect("proposals:review_queue")
    return _review_page(request, proposal, merge_form=form, status=400)


@staff_page("proposals.post_update")
def project_update_create(request, pk: int):
    proposal = get_object_or_404(Proposal.objects.select_related("cycle"), pk=pk)
    if not request.user.has_perm("proposals.post_update", proposal):
        raise PermissionDenied
    form = ProjectUpdateForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "date": timezone.localdate(),
            "delivery_status": proposal.delivery_status,
            "progress": proposal.progress,
            "cancellation_reason": proposal.cancellation_reason,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.project_update_post(
                proposal=proposal,
                author=request.user,
                text=data["text"],
                on=data["date"],
                delivery_status=data["delivery_status"],
                progress=data["progress"],
                cancellation_reason=data["cancellation_reason"],
                photo=data["photo"],
                photo_alt=data["photo_alt"],
            )
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, _("Update posted; followers will get an e-mail."))
            return redirect(proposal)
    return render(
        request,
        "proposals/update_form.html",
        {"form": form, "proposal": proposal},
        status=400 if request.method == "POST" else 200,
    )
