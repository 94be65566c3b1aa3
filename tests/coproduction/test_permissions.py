"""Every role (and a project coordinator) on every coproduction view."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from coproduction.models import LedgerEntry, ValuationRun
from pbudget import roles
from tests.coproduction.factories import make_entry, make_project, make_proposal
from tests.factories import make_cycle, make_user, staff_login

pytestmark = pytest.mark.django_db

COORDINATOR = "coordinator"
ROLES = [None, *roles.ROLES, COORDINATOR]
STAFF = [roles.REVIEWER, roles.MODERATOR, roles.BOOTH_OFFICER, roles.FINANCE_OFFICER,
         roles.ADMINISTRATOR]  # fmt: skip
FINANCE = [roles.FINANCE_OFFICER, roles.ADMINISTRATOR]
VERIFIERS = [*FINANCE, COORDINATOR]
PLEDGE_REVIEWERS = [roles.REVIEWER, roles.ADMINISTRATOR]


@pytest.fixture
def world(db):
    voting = make_cycle(phase="voting", slug="vote")
    building = make_cycle(phase="implementation", slug="build")
    coordinator = make_user("coordinator@example.org")
    contributor = make_user("contributor@example.org")
    finance = make_user("someone-in-finance@example.org", roles=[roles.FINANCE_OFFICER])
    proposal = make_proposal(voting)
    project = make_project(building, coordinator=coordinator)
    submitted = make_entry(project, contributor, hours=Decimal("3"))
    verified = make_entry(project, contributor, verified_by=finance)
    goods = make_entry(
        project,
        contributor,
        kind="materials",
        evidence=ContentFile(b"%PDF-1.4 receipt", name="receipt.pdf"),
    )
    from coproduction.models import Pledge

    pledge = Pledge.objects.create(
        proposal=proposal, pledger=contributor, kind="general", hours=Decimal("2")
    )
    return {
        "voting": voting,
        "proposal": proposal,
        "project": project,
        "submitted": submitted,
        "verified": verified,
        "goods": goods,
        "pledge": pledge,
        "coordinator": coordinator,
    }


def client_for(client, role, world):
    """A fresh client signed in as a user holding ``role`` (the same user each time)."""
    from django.test import Client

    from pbudget.models import User

    client = Client()
    if role is None:
        return client
    if role == COORDINATOR:
        staff_login(client, world["coordinator"])
        return client
    email = f"{role.replace(' ', '-')}@example.org"
    user = User.objects.filter(email=email).first() or make_user(email, roles=[role])
    staff_login(client, user)
    return client


def expect(response, role, allowed, *, denied=403, ok=200):
    if role is None:
        assert response.status_code == 302, role
        assert response.url.startswith(reverse("account_login")), role
    elif role in allowed:
        assert response.status_code == ok, (role, response.content[:400])
    else:
        assert response.status_code == denied, role


@pytest.mark.parametrize("name", ["dashboard", "cycle_dashboard", "skill_list", "project"])
def test_public_pages_open_to_everyone(client, world, name):
    for role in ROLES:
        kwargs = {
            "cycle_dashboard": {"slug": "build"},
            "project": {"pk": world["project"].pk},
        }.get(name, {})
        response = client_for(client, role, world).get(
            reverse(f"coproduction:{name}", kwargs=kwargs)
        )
        assert response.status_code == 200


def test_a_proposal_that_is_not_funded_has_no_budget_line(client, world):
    for role in ROLES:
        url = reverse("coproduction:project", kwargs={"pk": world["proposal"].pk})
        assert client_for(client, role, world).get(url).status_code == 404


@pytest.mark.parametrize("name", ["mine", "offer_edit"])
def test_resident_pages_for_anyone_signed_in(client, world, name):
    for role in ROLES:
        response = client_for(client, role, world).get(reverse(f"coproduction:{name}"))
        expect(response, role, [*roles.ROLES, COORDINATOR])


def test_offer_search_for_staff_and_proposal_authors(client, world):
    for role in ROLES:
        response = client_for(client, role, world).get(reverse("coproduction:offer_search"))
        expect(response, role, STAFF)


def test_offer_search_for_a_proposal_author(client, world):
    world["proposal"].author = world["coordinator"]
    world["proposal"].save()
    staff_login(client, world["coordinator"])
    assert client.get(reverse("coproduction:offer_search")).status_code == 200


def test_pledging_for_every_verified_user(client, world):
    for role in ROLES:
        url = reverse("coproduction:pledge_create", kwargs={"pk": world["proposal"].pk})
        expect(client_for(client, role, world).get(url), role, [*roles.ROLES, COORDINATOR])


def test_pledging_needs_a_verified_email(client, world):
    staff_login(client, make_user("unverified@example.org", verified=False))
    url = reverse("coproduction:pledge_create", kwargs={"pk": world["proposal"].pk})
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("name", ["pledge_review_list", "pledge_decide"])
def test_pledge_review_for_reviewers_and_administrators(client, world, name):
    for role in ROLES:
        kwargs = {"pk": world["pledge"].pk} if name == "pledge_decide" else {}
        response = client_for(client, role, world).get(
            reverse(f"coproduction:{name}", kwargs=kwargs)
        )
        expect(response, role, PLEDGE_REVIEWERS)


def test_pledge_withdrawal_only_by_the_pledger(client, world):
    for role in ROLES:
        url = reverse("coproduction:pledge_withdraw", kwargs={"pk": world["pledge"].pk})
        response = client_for(client, role, world).post(url)
        expect(response, role, [], denied=404)
        world["pledge"].refresh_from_db()
        assert world["pledge"].status == "pending"


def test_logging_on_a_funded_project_for_every_verified_user(client, world):
    for role in ROLES:
        url = reverse("coproduction:entry_create", kwargs={"pk": world["project"].pk})
        expect(client_for(client, role, world).get(url), role, [*roles.ROLES, COORDINATOR])


def test_the_ledger_queue_for_finance_and_coordinators(client, world):
    for role in ROLES:
        response = client_for(client, role, world).get(reverse("coproduction:ledger_queue"))
        expect(response, role, VERIFIERS)
        if role in VERIFIERS:
            assert f"#{world['submitted'].pk}" in response.content.decode()


def test_verifying_an_entry_for_finance_and_the_coordinator(client, world):
    for role in ROLES:
        url = reverse("coproduction:entry_decide", kwargs={"pk": world["submitted"].pk})
        expect(client_for(client, role, world).get(url), role, VERIFIERS)


@pytest.mark.parametrize("name", ["entry_detail", "entry_evidence"])
def test_an_entry_is_seen_by_its_contributor_finance_and_the_coordinator(client, world, name):
    for role in ROLES:
        url = reverse(f"coproduction:{name}", kwargs={"pk": world["goods"].pk})
        expect(client_for(client, role, world).get(url), role, VERIFIERS, denied=404)


def test_an_entry_is_seen_by_its_contributor(client, world):
    staff_login(client, world["submitted"].contributor)
    url = reverse("coproduction:entry_detail", kwargs={"pk": world["submitted"].pk})
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_reversing_an_entry_for_finance_and_the_coordinator(client, world, role):
    url = reverse("coproduction:entry_reverse", kwargs={"pk": world["verified"].pk})
    response = client_for(client, role, world).post(url, {"reason": "Logged twice"})
    expect(response, role, VERIFIERS, ok=302)
    reversed_ = LedgerEntry.objects.filter(reverses=world["verified"]).exists()
    assert reversed_ == (role in VERIFIERS)


@pytest.mark.parametrize("name", ["rate_list", "rate_create"])
def test_rates_for_finance_officers(client, world, name):
    for role in ROLES:
        response = client_for(client, role, world).get(reverse(f"coproduction:{name}"))
        expect(response, role, FINANCE)


def test_revaluing_for_finance_officers(client, world):
    for role in ROLES:
        url = reverse("coproduction:revalue", kwargs={"slug": "build"})
        before = ValuationRun.objects.count()
        response = client_for(client, role, world).post(url, {"reason": "New rate"})
        expect(response, role, FINANCE, ok=302)
        assert ValuationRun.objects.count() == before + (role in FINANCE), role


def test_staff_without_a_second_factor_are_sent_to_sign_in_again(client, world):
    client.force_login(make_user("fin@example.org", roles=[roles.FINANCE_OFFICER]))
    for name in ["ledger_queue", "rate_list"]:
        response = client.get(reverse(f"coproduction:{name}"))
        assert response.status_code == 302
        assert not response.url.startswith(reverse("coproduction:ledger_queue"))


def test_a_resident_coordinator_needs_no_second_factor(client, world):
    client.force_login(world["coordinator"])
    assert client.get(reverse("coproduction:ledger_queue")).status_code == 200


def test_the_nav_link_and_staff_cards_follow_the_roles(client, world):
    cards = {
        "Pledges to review": PLEDGE_REVIEWERS,
        "Ledger to verify": FINANCE,
        "Valuation rates": FINANCE,
    }
    for role in STAFF:
        page = client_for(client, role, world).get(reverse("staff_home")).content.decode()
        assert 'href="/coproduction/">Coproduction</a>' in page, role
        for label, holders in cards.items():
            assert (label in page) == (role in holders), (role, label)


def test_posts_from_roles_without_the_permission_change_nothing(client, world):
    from coproduction.models import LedgerDecision, Pledge, ValuationRate

    rate_fields = {
        "kind": "general", "amount": "20", "currency": "EUR", "fringe_percent": "0",
        "publisher": "X", "series": "Y", "data_year": "2024", "geography": "Z",
        "source_url": "https://example.org/", "valid_from": "2024-01-01",
    }  # fmt: skip
    posts = [
        ("pledge_decide", {"pk": world["pledge"].pk}, {"decision": "accept"}, PLEDGE_REVIEWERS),
        ("entry_decide", {"pk": world["submitted"].pk}, {"decision": "verify"}, VERIFIERS),
        ("rate_create", {}, rate_fields, FINANCE),
    ]
    rates = ValuationRate.objects.count()
    for name, kwargs, data, allowed in posts:
        for role in ROLES:
            if role in allowed:
                continue
            response = client_for(client, role, world).post(
                reverse(f"coproduction:{name}", kwargs=kwargs), data
            )
            expect(response, role, allowed)
    assert Pledge.objects.get(pk=world["pledge"].pk).status == "pending"
    assert not LedgerDecision.objects.filter(entry=world["submitted"]).exists()
    assert ValuationRate.objects.count() == rates
