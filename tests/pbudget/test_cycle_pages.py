"""Administrators configure cycles and districts in pbudget's own pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from pbudget import roles
from pbudget.models import Cycle, District, DistrictBudget
from tests.factories import make_cycle, make_user, staff_login


@pytest.fixture
def admin_client(client, db):
    staff_login(client, make_user("admin@example.org", roles=[roles.ADMINISTRATOR]))
    return client


@pytest.fixture
def districts(db):
    return [
        District.objects.create(name="City-wide", slug="city-wide", is_citywide=True),
        District.objects.create(name="Old Town", slug="old-town"),
    ]


def cycle_post(districts, **overrides):
    data = {
        "name": "Budget 2028",
        "slug": "budget-2028",
        "description": "",
        "fiscal_year": "2028",
        "currency": "EUR",
        "is_published": "on",
        "ideas_opens": "2027-01-10T09:00",
        "review_opens": "2027-02-10T09:00",
        "voting_opens": "2027-03-10T09:00",
        "voting_closes": "2027-04-10T09:00",
        "implementation_opens": "2027-05-10T09:00",
        "voting_method": "approval",
        "max_choices": "5",
        "min_spend_share": "0",
        "points_total": "10",
        "points_max_per_project": "5",
        "rank_count": "3",
        "tally_rule": "greedy",
        "minimum_age": "16",
        f"budget_{districts[0].pk}": "250000",
        f"budget_{districts[1].pk}": "90000.50",
    }
    data.update(overrides)
    return data


def test_administrator_creates_a_cycle_with_budgets(admin_client, districts):
    response = admin_client.post(reverse("cycle_create"), cycle_post(districts))
    assert response.status_code == 302
    cycle = Cycle.objects.get(slug="budget-2028")
    amounts = {b.district.slug: b.amount for b in cycle.budgets.all()}
    assert amounts == {"city-wide": Decimal("250000"), "old-town": Decimal("90000.50")}


def test_dates_out_of_order_get_a_field_error_and_keep_the_input(admin_client, districts):
    data = cycle_post(districts, voting_opens="2027-02-01T09:00", name="Kept name")
    response = admin_client.post(reverse("cycle_create"), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["voting_opens"][0].startswith("Must be after")
    assert "Kept name" in response.content.decode()
    assert 'value="2027-02-01T09:00"' in response.content.decode()
    assert not Cycle.objects.exists()


def test_negative_budget_gets_a_field_error(admin_client, districts):
    field = f"budget_{districts[1].pk}"
    response = admin_client.post(reverse("cycle_create"), cycle_post(districts, **{field: "-5"}))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'value="-5"' in response.content.decode()
    assert not Cycle.objects.exists()


def test_bad_currency_code_is_refused(admin_client, districts):
    response = admin_client.post(reverse("cycle_create"), cycle_post(districts, currency="euro"))
    assert response.status_code == 400
    assert "currency" in response.context["form"].errors


def test_more_points_on_one_project_than_in_total_is_refused(admin_client, districts):
    data = cycle_post(districts, points_total="5", points_max_per_project="6")
    response = admin_client.post(reverse("cycle_create"), data)
    assert response.status_code == 400
    assert "points_max_per_project" in response.context["form"].errors


def test_budgets_and_method_are_frozen_once_voting_opens(admin_client, db):
    cycle = make_cycle(phase="voting", slug="voting-now")
    budget = cycle.budgets.get(district__slug="old-town")
    form_page = admin_client.get(reverse("cycle_edit", args=[cycle.slug]))
    assert "frozen" in form_page.content.decode()
    data = {
        **{k: v for k, v in form_page.context["form"].initial.items() if v is not None},
        "name": "Renamed during voting",
        f"budget_{budget.district.pk}": "1",
        "voting_method": "knapsack",
    }
    for key in ("ideas_opens", "review_opens", "voting_opens", "voting_closes",
                "implementation_opens"):  # fmt: skip
        data[key] = getattr(cycle, key).astimezone().strftime("%Y-%m-%dT%H:%M")
    data["is_published"] = "on"
    response = admin_client.post(reverse("cycle_edit", args=[cycle.slug]), data)
    cycle.refresh_from_db()
    budget.refresh_from_db()
    # Disabled fields ignore what was posted: the name changes, method and budgets do not.
    assert response.status_code == 302, response.context["form"].errors
    assert cycle.name == "Renamed during voting"
    assert cycle.voting_method == "approval"
    assert budget.amount == Decimal("50000")


def test_service_refuses_budget_change_after_voting_opens(db):
    from django.core.exceptions import ValidationError

    from pbudget.services import cycle_update

    cycle = make_cycle(phase="review", slug="review-now")
    district = District.objects.get(slug="old-town")
    with time_machine.travel(cycle.voting_opens + timedelta(minutes=1)):
        with pytest.raises(ValidationError) as error:
            cycle_update(cycle=cycle, fields={}, budgets={district: Decimal("1")})
        assert error.value.code == "voting_frozen"
    assert DistrictBudget.objects.get(cycle=cycle, district=district).amount == Decimal("50000")
    # Before voting opens the same change is fine.
    cycle_update(cycle=cycle, fields={}, budgets={district: Decimal("1")})
    assert DistrictBudget.objects.get(cycle=cycle, district=district).amount == Decimal("1")


def test_administrator_creates_and_edits_a_district(admin_client, db):
    response = admin_client.post(
        reverse("district_create"),
        {"name": "Hillcrest", "slug": "hillcrest", "description": "", "position": "3"},
    )
    assert response.status_code == 302
    response = admin_client.post(
        reverse("district_edit", args=["hillcrest"]),
        {"name": "Hillcrest Heights", "slug": "hillcrest", "description": "", "position": "3"},
    )
    assert response.status_code == 302
    assert District.objects.get(slug="hillcrest").name == "Hillcrest Heights"


def test_home_shows_current_cycle_phase_and_budgets(client, db):
    cycle = make_cycle(phase="voting", name="Budget Now")
    response = client.get(reverse("home"))
    body = response.content.decode()
    assert "Budget Now" in body
    assert "Voting is open" in body
    assert "150,000" in body  # the total of the district budgets
    assert "Old Town" in body
    assert cycle.get_absolute_url() in body


def test_home_without_cycles_says_so(client, db):
    response = client.get(reverse("home"))
    assert "No cycle has been announced yet" in response.content.decode()
