"""Results pages (public once published) and the count pages (administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ballots.counting import selectors, services
from ballots.counting.forms import PabulibImportForm
from ballots.models import ImportedElection, SealedBallot, TallyRun
from pbudget.mfa import staff_page
from pbudget.models import Cycle, District, DistrictBudget, Phase, VotingMethod


def _cycle_district(cycle_slug: str, district_slug: str) -> tuple[Cycle, District]:
    cycle = get_object_or_404(Cycle, slug=cycle_slug)
    district = get_object_or_404(District, slug=district_slug)
    if not DistrictBudget.objects.filter(cycle=cycle, district=district).exists():
        raise Http404
    return cycle, district


def _result_context(run: TallyRun) -> dict:
    winners, everyone = selectors.result_rows(run)
    return {
        "run": run,
        "cycle": run.cycle,
        "district": run.district,
        "winners": winners,
        "projects": everyone,
        "chart": selectors.votes_chart(everyone),
        "comparison": selectors.rule_comparison(run),
        "turnout": selectors.turnout_of(run),
        "rule_label": selectors.RULE_LABELS.get(run.rule, run.rule),
        # Borda scores and cumulative ballots count points, not votes.
        "in_points": run.rule == "borda" or run.cycle.voting_method == VotingMethod.CUMULATIVE,
        "spent_share": (run.spent * 100 / run.budget) if run.budget else None,
        "imported": ImportedElection.objects.filter(cycle=run.cycle).first(),
    }


# --- public ---------------------------------------------------------------------------


def results_index(request):
    """Cycles with published results."""
    return render(
        request, "ballots/results/index.html", {"cycles": selectors.cycles_with_results()}
    )


def results_cycle(request, slug: str):
    """The published results of one cycle, a district each."""
    cycle = get_object_or_404(Cycle.objects.published(), slug=slug)
    runs = list(selectors.published_runs(cycle))
    if not runs:
        funded = selectors.funded_without_count(cycle)
        if not funded:
            raise Http404
        return render(
            request, "ballots/results/funded_only.html", {"cycle": cycle, "districts": funded}
        )
    if len(runs) == 1:
        return redirect("ballots:results_detail", slug=cycle.slug, district=runs[0].district.slug)
    return render(request, "ballots/results/cycle.html", {"cycle": cycle, "runs": runs})


def _published_run(cycle_slug: str, district_slug: str) -> TallyRun:
    cycle, district = _cycle_district(cycle_slug, district_slug)
    run = selectors.official_run(cycle, district)
    if not cycle.is_published or run is None or not run.is_published:
        raise Http404
    return run


def results_detail(request, slug: str, district: str):
    """The public results of a district: winners, votes, chart, turnout, rule comparison."""
    run = _published_run(slug, district)
    return render(request, "ballots/results/detail.html", _result_context(run))


def results_pabulib(request, slug: str, district: str):
    """The anonymised ballots of a district as a Pabulib file (after publication)."""
    run = _published_run(slug, district)
    text = services.pabulib_export(run.cycle, run.district)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    name = f"{run.cycle.slug}-{run.district.slug}.pb"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- administrators -------------------------------------------------------------------


@staff_page("ballots.run_count")
def count_home(request):
    """Cycles whose voting has opened, with the state of their count."""
    cycles = [
        c
        for c in Cycle.objects.order_by("-voting_closes")
        if c.phase in (Phase.VOTING, Phase.RESULTS, Phase.IMPLEMENTATION)
    ]
    return render(request, "ballots/count/home.html", {"cycles": cycles})


@staff_page("ballots.run_count")
def count_cycle(request, slug: str):
    cycle = get_object_or_404(Cycle, slug=slug)
    return render(
        request,
        "ballots/count/cycle.html",
        {
            "cycle": cycle,
            "rows": selectors.count_districts(cycle),
            "voting_closed": cycle.phase in (Phase.RESULTS, Phase.IMPLEMENTATION),
            "sealed_waiting": SealedBallot.objects.filter(cycle=cycle).count(),
            "rule_label": selectors.RULE_LABELS.get(
                selectors.official_rule(cycle), cycle.tally_rule
            ),
        },
    )


def _count_context(cycle: Cycle, district: District) -> dict:
    run = selectors.official_run(cycle, district)
    context = {
        "cycle": cycle,
        "district": district,
        "run": run,
        "voting_closed": cycle.phase in (Phase.RESULTS, Phase.IMPLEMENTATION),
    }
    if run is not None and run.status == "done":
        context.update(_result_context(run))
        context["comparison_missing"] = context["comparison"] is None and bool(
            selectors.missing_comparison_rules(run)
        )
    return context


@staff_page("ballots.run_count")
def count_detail(request, slug: str, district: str):
    """One district's count: start it, watch it, check the result, publish it."""
    cycle, district_obj = _cycle_district(slug, district)
    return render(request, "ballots/count/detail.html", _count_context(cycle, district_obj))


@staff_page("ballots.run_count")
def count_progress(request, slug: str, district: str):
    """The progress block alone, polled by htmx while the count runs."""
    cycle, district_obj = _cycle_district(slug, district)
    return render(request, "ballots/count/_progress.html", _count_context(cycle, district_obj))


@require_POST
@staff_page("ballots.run_count")
def count_start(request, slug: str, district: str):
    cycle, district_obj = _cycle_district(slug, district)
    try:
        services.count_start(cycle=cycle, district=district_obj, user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The count has started."))
    return redirect("ballots:count_detail", slug=cycle.slug, district=district_obj.slug)


@require_POST
@staff_page("ballots.run_count")
def count_start_all(request, slug: str):
    """Start the count of every district of the cycle that is not published yet."""
    cycle = get_object_or_404(Cycle, slug=slug)
    started = 0
    for row in selectors.count_districts(cycle):
        if row["run"] is not None and row["run"].is_published:
            continue
        try:
            services.count_start(cycle=cycle, district=row["district"], user=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            if error.code == "box_not_empty":  # the same for every district
                break
        else:
            started += 1
    if started:
        messages.success(
            request,
            ngettext(
                "The count of %(n)d district has started.",
                "The count of %(n)d districts has started.",
                started,
            )
            % {"n": started},
        )
    return redirect("ballots:count_cycle", slug=cycle.slug)


@require_POST
@staff_page("ballots.run_count")
def count_publish(request, slug: str, district: str):
    cycle, district_obj = _cycle_district(slug, district)
    run = selectors.official_run(cycle, district_obj)
    if run is None:
        messages.error(request, _("Count the ballots before publishing."))
        return redirect("ballots:count_detail", slug=cycle.slug, district=district_obj.slug)
    if request.POST.get("confirm") != "yes":
        messages.error(
            request,
            _("Tick “I have checked this count” to publish: publishing cannot be undone."),
        )
        return redirect("ballots:count_detail", slug=cycle.slug, district=district_obj.slug)
    try:
        services.results_publish(run=run, user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("ballots:count_detail", slug=cycle.slug, district=district_obj.slug)
    messages.success(request, _("The results are published."))
    return redirect("ballots:results_detail", slug=cycle.slug, district=district_obj.slug)


@require_POST
@staff_page("ballots.run_count")
def count_comparison(request, slug: str, district: str):
    """Work out the rule comparison a finished count lacks (counts published before pbudget
    compared rules on ranked ballots); the official result is left as it is."""
    cycle, district_obj = _cycle_district(slug, district)
    run = selectors.official_run(cycle, district_obj)
    try:
        if run is None:
            raise ValidationError(_("Count the ballots first."))
        added = services.comparison_complete(run=run)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if added:
            messages.success(request, _("The rule comparison is ready."))
        else:
            messages.info(request, _("The rule comparison was already there."))
    return redirect("ballots:count_detail", slug=cycle.slug, district=district_obj.slug)


@staff_page("ballots.import_pabulib")
def count_import(request):
    """Upload a Pabulib file as a past cycle."""
    form = PabulibImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                cycle = services.pabulib_import(
                    text=form.text,
                    file_name=form.cleaned_data["file"].name,
                    slug=form.cleaned_data["slug"],
                    rule=form.cleaned_data["rule"] or None,
                    user=request.user,
                )
            except ValidationError as error:
                field = "slug" if getattr(error, "code", "") in ("slug_taken", "slug") else None
                for message in error.messages:
                    form.add_error(field, message)
            else:
                messages.success(
                    request,
                    _("%(name)s is imported. Count it, check the result, then publish it.")
                    % {"name": cycle.name},
                )
                return redirect("ballots:count_cycle", slug=cycle.slug)
    return render(request, "ballots/count/import.html", {"form": form}, status=status)
