"""Reads: the in-kind line beside the cash cost, budget lines, exports and the dashboard."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coproduction import selectors
from coproduction.extras import inkind_extra
from coproduction.models import Pledge
from coproduction.valuation import value_unvalued
from tests.coproduction.factories import make_entry, make_project, make_proposal
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def accepted(proposal, user, *, value, currency="EUR", kind="materials", **fields):
    return Pledge.objects.create(
        proposal=proposal,
        pledger=user,
        kind=kind,
        hours=fields.pop("hours", None),
        estimated_value=Decimal(value) if kind != "general" else None,
        status="accepted",
        value=Decimal(value),
        currency=currency,
        **fields,
    )


def test_the_provider_shows_cash_beside_in_kind_value_and_people(proposal, resident, neighbour):
    accepted(proposal, resident, value="6000")
    accepted(proposal, neighbour, value="200")
    accepted(proposal, neighbour, value="0", group_name="Garden Club", people=21)
    accepted(proposal, resident, value="0", group_name="garden club ", people=5)  # same group
    Pledge.objects.create(  # pending: does not count
        proposal=proposal, pledger=resident, kind="general", hours=Decimal("3")
    )

    html = inkind_extra([proposal], "list")[proposal.pk]

    assert html == (
        '<span class="inkind">40,000 EUR public cost + 6,200 EUR in residents&#x27; time and '
        "materials from 23 people</span>"
    )


def test_the_provider_never_adds_values_in_different_currencies(proposal, resident):
    accepted(proposal, resident, value="100")
    accepted(proposal, resident, value="66.98", currency="USD", kind="general", hours=2)

    html = inkind_extra([proposal], "ballot")[proposal.pk]

    assert "100 EUR + 66.98 USD in residents" in html
    assert "not converted to EUR" in html


def test_the_provider_runs_a_constant_number_of_queries(
    voting_cycle, resident, django_assert_max_num_queries
):
    from coproduction.extras import inkind_extra

    proposals = [make_proposal(voting_cycle, title=f"Idea {n}") for n in range(12)]
    for proposal in proposals:
        accepted(proposal, resident, value="10")
    ids = [p.pk for p in proposals]
    model = type(proposals[0])
    fresh = list(model.objects.filter(pk__in=ids))
    with_cycles = list(model.objects.filter(pk__in=ids).select_related("cycle"))

    # The coproduction app's provider itself (other apps register providers of their own).
    with django_assert_max_num_queries(3):  # pledges, cycles, verified values
        html = inkind_extra(fresh, "detail")
    with django_assert_max_num_queries(1):  # pledges only: the cycles came with the list
        listed = inkind_extra(with_cycles, "list")

    assert len(html) == len(listed) == 12
    assert all("pledge" in fragment for fragment in html.values())


def test_the_provider_links_funded_projects_to_their_budget_line(project, resident):
    finance = make_user("f@example.org", roles=["finance officer"])
    entry = make_entry(project, resident, kind="space", fair_value=Decimal("75"),
                       verified_by=finance)  # fmt: skip
    value_unvalued(entry_ids=[entry.pk])

    html = inkind_extra([project], "detail")[project.pk]

    assert f"/coproduction/projects/{project.pk}/" in html
    assert "Delivered and verified so far: 75 EUR" in html


def test_proposals_without_accepted_pledges_show_nothing_in_lists(proposal):
    assert inkind_extra([proposal], "list") == {}


def test_inkind_by_proposal_separates_pledged_and_verified_and_currencies(
    delivery_cycle, resident, neighbour
):
    finance = make_user("f@example.org", roles=["finance officer"])
    project = make_project(delivery_cycle)
    accepted(project, resident, value="300")
    accepted(project, neighbour, value="33.49", currency="USD", kind="general", hours=1)
    goods = make_entry(project, resident, kind="materials", fair_value=Decimal("250"),
                       verified_by=finance)  # fmt: skip
    hours = make_entry(project, neighbour, hours=Decimal("2"), verified_by=finance)
    make_entry(project, neighbour, hours=Decimal("9"))  # not verified
    value_unvalued()

    row = selectors.inkind_by_proposal(delivery_cycle)[project.pk]

    assert row["pledged"] == Decimal("300")
    assert row["pledged_other"] == {"USD": Decimal("33.49")}
    assert row["verified"] == Decimal("250")
    assert row["verified_other"] == {"USD": Decimal("66.98")}
    assert row["recognisable"] == {"EUR": Decimal("250")}
    assert row["memo"] == {"USD": Decimal("66.98")}
    assert row["hours_verified"] == Decimal("2")
    assert row["contributors"] == 2
    assert goods.pk and hours.pk


def test_ledger_rows_stream_every_entry_in_batches(project, resident, django_assert_num_queries):
    finance = make_user("f@example.org", roles=["finance officer"])
    for n in range(1, 8):
        make_entry(project, resident, hours=Decimal(n), verified_by=finance)
    value_unvalued()

    with django_assert_num_queries(9):  # 4 batches of 2 entries (+ values) and a last read
        rows = list(selectors.ledger_rows(project.cycle, batch_size=2))

    assert [row["hours"] for row in rows] == [Decimal(n) for n in range(1, 8)]
    assert rows[0]["value"] == Decimal("33.49")
    assert rows[0]["currency"] == "USD"
    assert rows[0]["status"] == "verified"
    assert "Independent Sector" in rows[0]["source"]


def test_the_budget_line_never_nets_in_kind_against_cash(project, resident):
    finance = make_user("f@example.org", roles=["finance officer"])
    accepted(project, resident, value="8000")
    entry = make_entry(project, resident, kind="materials", fair_value=Decimal("4000"),
                       verified_by=finance)  # fmt: skip
    value_unvalued(entry_ids=[entry.pk])

    line = selectors.project_budget_line(project)

    assert line["cash"] == Decimal("40000")
    assert line["pledged"] == {"EUR": Decimal("8000")}
    assert line["verified"] == {"EUR": Decimal("4000")}
    assert line["total_value"] == Decimal("44000")
    assert line["leverage"] == Decimal("0.100")
    assert line["leverage_basis"] == "verified"
    assert line["verified_by_method"] == [("Fair market value", {"EUR": Decimal("4000")})]


def test_the_dashboard_counts_hours_value_and_people_by_district_and_project(project, resident):
    finance = make_user("f@example.org", roles=["finance officer"])
    make_entry(project, resident, hours=Decimal("3"), verified_by=finance)
    make_entry(project, finance, hours=Decimal("2"), verified_by=resident)
    value_unvalued()

    data = selectors.dashboard(project.cycle)

    assert data["hours"] == Decimal("5")
    assert data["contributors"] == 2
    assert data["values"] == {"USD": Decimal("167.45")}
    assert data["by_district"][0]["project__district__name"] == "Old Town"
    assert data["by_project"][0]["values"] == {"USD": Decimal("167.45")}


def test_offer_search_finds_visible_offers_by_skill_and_district(resident, neighbour):
    from coproduction.services import offer_save
    from pbudget.models import District
    from tests.coproduction.factories import skill
    from tests.factories import DistrictFactory

    old_town = DistrictFactory(name="Old Town", slug="old-town")
    offer_save(
        user=resident,
        fields={"visibility": "listed", "district": old_town},
        skills=[skill("carpentry")],
    )
    offer_save(
        user=neighbour,
        fields={"visibility": "private", "district": None},
        skills=[skill("carpentry")],
    )

    found = selectors.offer_search(skill=skill("carpentry"), district=old_town)
    assert [offer.user for offer in found] == [resident]
    assert not selectors.offer_search(skill=skill("plumbing")).exists()
    assert District.objects.count() >= 1
