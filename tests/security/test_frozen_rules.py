"""What voting froze stays frozen, in pbudget's pages, its services and the Django admin.

Once voting opens, the phase dates up to it, the voting method, its limits and the budgets
cannot change; voting may only be extended while it is open and before any count; a cycle
somebody voted in cannot be deleted.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from ballots.models import VoterRoll
from ballots.models_tally import TallyRun
from ballots.services import ballot_cast
from pbudget import services
from pbudget.models import Cycle, District, DistrictBudget
from tests.ballots.factories import make_project, make_voter
from tests.factories import make_cycle, make_user, staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def voting_cycle(db):
    cycle = make_cycle(phase="voting", slug="budget-2026", voting_method="approval")
    make_project(cycle, District.objects.get(slug="old-town"), "10000", "Benches")
    return cycle


@pytest.fixture
def admin(client, db):
    user = make_user("root@example.org", roles=["administrator"])
    user.is_superuser = user.is_staff = True
    user.save()
    staff_login(client, user)
    return client


def _cast(cycle):
    voter = make_voter("voter@example.org", District.objects.get(slug="old-town"))
    ballot_cast(user=voter, cycle=cycle, values={cycle.proposals.get().pk: 1})
    assert VoterRoll.objects.filter(cycle=cycle).exists()


def _admin_post(cycle, **changes):
    """The admin change form of ``cycle`` as a browser posts it, with ``changes``."""
    data = {
        "name": cycle.name,
        "slug": cycle.slug,
        "description": cycle.description,
        "fiscal_year": cycle.fiscal_year,
        "is_published": "on",
        "tally_rule": cycle.tally_rule,
        "minimum_age": cycle.minimum_age,
        "budgets-TOTAL_FORMS": "0",
        "budgets-INITIAL_FORMS": "0",
        "budgets-MIN_NUM_FORMS": "0",
        "budgets-MAX_NUM_FORMS": "1000",
    }
    for name in ("voting_closes", "implementation_opens"):
        moment = changes.pop(name, getattr(cycle, name)).astimezone()
        data[f"{name}_0"] = moment.strftime("%Y-%m-%d")
        data[f"{name}_1"] = moment.strftime("%H:%M:%S")
    data.update(changes)
    return data


def test_admin_shows_what_voting_froze_as_read_only_and_ignores_posted_changes(admin, voting_cycle):
    url = reverse("admin:pbudget_cycle_change", args=[voting_cycle.pk])
    page = admin.get(url).content.decode()
    for name in ("voting_method", "max_choices", "voting_opens", "currency", "review_opens"):
        assert f'name="{name}' not in page
    assert 'name="budgets-0-amount"' not in page  # budgets shown, not editable
    assert 'name="voting_closes_0"' in page  # voting is open: it may be extended

    response = admin.post(url, _admin_post(voting_cycle, voting_method="knapsack", max_choices=1))
    assert response.status_code == 302
    voting_cycle.refresh_from_db()
    assert (voting_cycle.voting_method, voting_cycle.max_choices) == ("approval", 5)


def test_admin_refuses_to_move_closing_earlier_while_voting_is_open(admin, voting_cycle):
    url = reverse("admin:pbudget_cycle_change", args=[voting_cycle.pk])
    earlier = voting_cycle.voting_closes - timedelta(days=1)
    response = admin.post(url, _admin_post(voting_cycle, voting_closes=earlier))
    assert response.status_code == 200
    assert "can only be moved later" in response.content.decode()
    later = voting_cycle.voting_closes + timedelta(days=2)
    assert admin.post(url, _admin_post(voting_cycle, voting_closes=later)).status_code == 302
    voting_cycle.refresh_from_db()
    assert voting_cycle.voting_closes == later


def test_admin_cannot_change_closing_once_a_count_started(admin, voting_cycle):
    TallyRun.objects.create(
        cycle=voting_cycle, district=District.objects.get(slug="old-town"), rule="greedy"
    )
    url = reverse("admin:pbudget_cycle_change", args=[voting_cycle.pk])
    assert 'name="voting_closes_0"' not in admin.get(url).content.decode()


def test_admin_cannot_delete_a_cycle_somebody_voted_in(admin, voting_cycle):
    _cast(voting_cycle)
    url = reverse("admin:pbudget_cycle_delete", args=[voting_cycle.pk])
    assert admin.post(url, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:pbudget_cycle_changelist")
    admin.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [voting_cycle.pk], "post": "yes"},
    )
    assert Cycle.objects.filter(pk=voting_cycle.pk).exists()


def test_admin_deletes_a_cycle_nobody_voted_in(admin, db):
    cycle = make_cycle(phase="ideas", slug="unused")
    url = reverse("admin:pbudget_cycle_delete", args=[cycle.pk])
    assert admin.post(url, {"post": "yes"}).status_code == 302
    assert not Cycle.objects.filter(pk=cycle.pk).exists()


def test_service_refuses_to_delete_a_cycle_with_ballots(voting_cycle):
    _cast(voting_cycle)
    with pytest.raises(ValidationError) as error:
        services.cycle_delete(cycle=voting_cycle)
    assert error.value.code == "has_ballots"


def test_after_voting_closed_closing_cannot_move_back_into_the_future(voting_cycle):
    """budget-2025 went back to "voting" when its closing was moved after the results."""
    after_close = voting_cycle.voting_closes + timedelta(days=1)
    with time_machine.travel(after_close), pytest.raises(ValidationError) as error:
        services.cycle_update(
            cycle=voting_cycle,
            fields={"voting_closes": voting_cycle.voting_closes + timedelta(days=5)},
            budgets={},
        )
    assert error.value.error_dict["voting_closes"][0].code == "closing_frozen"
    assert Cycle.objects.get(pk=voting_cycle.pk).voting_closes == voting_cycle.voting_closes


def test_while_voting_is_open_closing_can_be_extended_but_not_after_a_count_started(
    voting_cycle,
):
    later = voting_cycle.voting_closes + timedelta(days=1)
    services.cycle_update(cycle=voting_cycle, fields={"voting_closes": later}, budgets={})
    assert Cycle.objects.get(pk=voting_cycle.pk).voting_closes == later

    TallyRun.objects.create(
        cycle=voting_cycle, district=District.objects.get(slug="old-town"), rule="greedy"
    )
    with pytest.raises(ValidationError) as error:
        services.cycle_update(
            cycle=voting_cycle, fields={"voting_closes": later + timedelta(days=1)}, budgets={}
        )
    assert error.value.error_dict["voting_closes"][0].code == "closing_frozen"


def test_while_voting_is_open_closing_cannot_be_brought_forward(voting_cycle):
    with pytest.raises(ValidationError) as error:
        services.cycle_update(
            cycle=voting_cycle,
            fields={"voting_closes": voting_cycle.voting_closes - timedelta(days=1)},
            budgets={},
        )
    assert error.value.error_dict["voting_closes"][0].code == "closing_not_extended"


def test_phase_dates_up_to_voting_and_currency_are_frozen_with_the_method(voting_cycle):
    for change in (
        {"review_opens": voting_cycle.review_opens + timedelta(days=1)},
        {"currency": "USD"},
    ):
        with pytest.raises(ValidationError) as error:
            services.cycle_update(cycle=voting_cycle, fields=change, budgets={})
        assert error.value.code == "voting_frozen"
    # The same dates given to the minute (as forms do) are not a change.
    services.cycle_update(
        cycle=voting_cycle,
        fields={"name": "Renamed", "review_opens": voting_cycle.review_opens.replace(second=0)},
        budgets={District.objects.get(slug="old-town"): Decimal("50000")},
    )
    assert DistrictBudget.objects.filter(cycle=voting_cycle).count() == 2
