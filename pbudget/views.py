"""Pages of the core: home, cycles, the cycle configuration pages, health."""

from __future__ import annotations

import redis
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pbudget import services
from pbudget.actions import action_for, actions_now
from pbudget.forms import CycleForm, DistrictForm, ProfileForm
from pbudget.mfa import staff_page
from pbudget.models import Cycle, District, Phase
from pbudget.selectors import cycle_total_budget, cycle_with_budgets

RESIDENT_ACTIONS = {
    Phase.UPCOMING: gettext_lazy(
        "The next cycle has not opened yet. Sign up now to be told when it does."
    ),
    Phase.IDEAS: gettext_lazy(
        "Propose a project for your district, and support the ideas you like."
    ),
    Phase.REVIEW: gettext_lazy("City staff are checking each proposal's feasibility and cost."),
    Phase.VOTING: gettext_lazy("Voting is open: verify your residency and cast your ballot."),
    Phase.RESULTS: gettext_lazy("Voting has closed. See which projects won."),
    Phase.IMPLEMENTATION: gettext_lazy(
        "The winning projects are being built. Follow them and lend a hand."
    ),
}


def home(request):
    """The current cycle, its phase and timeline, budgets, and what a resident can do now."""
    cycle = Cycle.objects.current()
    if cycle is not None:
        cycle = cycle_with_budgets(Cycle.objects.filter(pk=cycle.pk)).get()
    context = {"cycle": cycle}
    if cycle is not None:
        phase = cycle.phase
        others = list(Cycle.objects.published().exclude(pk=cycle.pk).order_by("-voting_opens"))
        context.update(
            phase=phase,
            action_text=RESIDENT_ACTIONS[phase],
            action=action_for(cycle),
            # What can be done now elsewhere: a vote in another cycle comes first.
            other_actions=actions_now(others)[:4],
            total_budget=cycle_total_budget(cycle),
            other_cycles=others[:5],
        )
    return render(request, "pbudget/home.html", context)


def cycle_list(request):
    cycles = cycle_with_budgets(Cycle.objects.published())
    return render(request, "pbudget/cycle_list.html", {"cycles": cycles})


def cycle_detail(request, slug: str):
    cycle = get_object_or_404(cycle_with_budgets(), slug=slug)
    if not cycle.is_published and not request.user.has_perm("pbudget.manage_cycles"):
        raise Http404
    return render(
        request,
        "pbudget/cycle_detail.html",
        {
            "cycle": cycle,
            "phase": cycle.phase,
            "action_text": RESIDENT_ACTIONS[cycle.phase],
            "action": action_for(cycle) if cycle.is_published else None,
            "total_budget": cycle_total_budget(cycle),
        },
    )


@staff_page("pbudget.manage_cycles")
def cycle_manage_list(request):
    cycles = cycle_with_budgets()
    return render(request, "pbudget/manage/cycle_list.html", {"cycles": cycles})


def _cycle_form_page(request, cycle: Cycle | None):
    form = CycleForm(request.POST or None, instance=cycle)
    if request.method == "POST" and form.is_valid():
        try:
            if cycle is None:
                saved = services.cycle_create(fields=form.model_fields(), budgets=form.budgets())
                messages.success(request, _("Cycle “%(name)s” created.") % {"name": saved.name})
            else:
                saved = services.cycle_update(
                    cycle=cycle, fields=form.model_fields(), budgets=form.budgets()
                )
                messages.success(request, _("Cycle “%(name)s” saved.") % {"name": saved.name})
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            return redirect("cycle_manage_list")
    return render(
        request,
        "pbudget/manage/cycle_form.html",
        {"form": form, "cycle": cycle},
        status=400 if request.method == "POST" else 200,
    )


@staff_page("pbudget.manage_cycles")
def cycle_create(request):
    return _cycle_form_page(request, None)


@staff_page("pbudget.manage_cycles")
def cycle_edit(request, slug: str):
    return _cycle_form_page(request, get_object_or_404(Cycle, slug=slug))


@staff_page("pbudget.manage_districts")
def district_manage_list(request):
    return render(
        request, "pbudget/manage/district_list.html", {"districts": District.objects.all()}
    )


def _district_form_page(request, district: District | None):
    form = DistrictForm(request.POST or None, instance=district)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.district_save(district=district, fields=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("District “%(name)s” saved.") % {"name": saved.name})
            return redirect("district_manage_list")
    return render(
        request,
        "pbudget/manage/district_form.html",
        {"form": form, "district": district},
        status=400 if request.method == "POST" else 200,
    )


@staff_page("pbudget.manage_districts")
def district_create(request):
    return _district_form_page(request, None)


@staff_page("pbudget.manage_districts")
def district_edit(request, slug: str):
    return _district_form_page(request, get_object_or_404(District, slug=slug))


@staff_page("pbudget.view_staff_area")
def staff_home(request):
    """The staff landing page: links to the work of each role the user holds."""
    return render(request, "pbudget/manage/staff_home.html")


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile has been saved."))
        response = redirect("profile")
        if request.user.language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, request.user.language)
        return response
    return render(request, "pbudget/profile.html", {"form": form})


def _ping_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _ping_redis() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    client.ping()


def _check(ping) -> str:
    try:
        ping()
    except Exception as error:  # any failure means "down"
        return f"unavailable: {type(error).__name__}"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    """200 while PostgreSQL answers, 503 when it does not.

    Redis down is "degraded", still 200: pages, sign-in and voting run on PostgreSQL alone
    (pbudget.cache answers as a miss), but counts and exports wait for the broker.
    """
    checks = {"database": _check(_ping_database), "redis": _check(_ping_redis)}
    if checks["database"] != "ok":
        status, code = "unavailable", 503
    elif checks["redis"] != "ok":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, **checks}, status=code)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)
