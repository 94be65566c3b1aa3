"""Every role on every ballots view, in the phases that matter: page, 403, or sign-in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ballots.models import CensusConflict, CensusImport
from pbudget import roles
from pbudget.models import District
from tests.ballots.factories import make_booth, make_entry, make_project
from tests.factories import make_cycle, make_user, staff_login

pytestmark = pytest.mark.django_db
ROLES = [None, *roles.ROLES]
LOGIN = "/accounts/login/"


def _as(client, role, *, verified_resident=False):
    if role is None:
        return None
    user = make_user(f"{role.replace(' ', '-')}@example.org", roles=[role])
    if verified_resident:
        make_entry(f"DOC-{user.pk}", District.objects.get(slug="old-town"), claimed_by=user)
    staff_login(client, user)
    return user


def _cycle(phase):
    cycle = make_cycle(phase=phase, slug=f"c-{phase}", voting_method="knapsack")
    make_project(cycle, District.objects.get(slug="old-town"), "1000", "Benches")
    return cycle


def _expect(response, expected):
    if expected == "login":
        assert response.status_code == 302
        assert response.url.startswith(LOGIN)
    else:
        assert response.status_code == expected, response.content[:300]


@pytest.mark.parametrize("role", ROLES)
def test_vote_home_is_open_to_everyone(client, role):
    _cycle("voting")
    _as(client, role)
    assert client.get(reverse("ballots:vote_home")).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_verify_page_needs_sign_in(client, role):
    _as(client, role)
    _expect(client.get(reverse("ballots:verify")), "login" if role is None else 200)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("phase", ["review", "voting", "results"])
def test_ballot_page_for_verified_residents_in_voting_phase_only(client, role, phase):
    cycle = _cycle(phase)
    _as(client, role, verified_resident=True)
    response = client.get(reverse("ballots:ballot", args=[cycle.slug]))
    if role is None:
        _expect(response, "login")
    else:
        _expect(response, 200 if phase == "voting" else 403)


@pytest.mark.parametrize("role", ROLES[1:])
def test_ballot_page_sends_unverified_accounts_to_verification(client, role):
    cycle = _cycle("voting")
    _as(client, role)
    response = client.get(reverse("ballots:ballot", args=[cycle.slug]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("ballots:verify"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("phase", ["voting", "results"])
def test_receipts_public_after_the_vote_only(client, role, phase):
    cycle = _cycle(phase)
    _as(client, role)
    response = client.get(reverse("ballots:receipts", args=[cycle.slug]))
    _expect(response, 200 if phase == "results" else 403)
    text = client.get(reverse("ballots:receipts_text", args=[cycle.slug]))
    assert text.status_code == (200 if phase == "results" else 403)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("phase", ["voting", "results"])
def test_turnout_for_staff_during_the_vote_and_everyone_after(client, role, phase):
    cycle = _cycle(phase)
    _as(client, role)
    response = client.get(reverse("ballots:turnout", args=[cycle.slug]))
    if phase == "results":
        _expect(response, 200)
    elif role is None:
        _expect(response, "login")
    elif role == roles.RESIDENT:
        _expect(response, 403)
    else:
        _expect(response, 200)
    assert client.get(reverse("ballots:turnout_list")).status_code == 200


def test_turnout_during_the_vote_asks_staff_for_the_second_factor(client):
    cycle = _cycle("voting")
    client.force_login(make_user("booth@example.org", roles=[roles.BOOTH_OFFICER]))
    response = client.get(reverse("ballots:turnout", args=[cycle.slug]))
    assert response.status_code == 302
    assert not response.url.startswith(reverse("ballots:turnout_list"))


def _staff_urls():
    cycle = _cycle("voting")
    admin = make_user("owner@example.org", roles=[roles.ADMINISTRATOR])
    record = CensusImport.objects.create(created_by=admin, file_name="x.csv")
    entry = make_entry("ZZ1", District.objects.get(slug="old-town"), claimed_by=admin)
    claimant = make_user("claimant@example.org")
    conflict = CensusConflict.objects.create(entry=entry, claimant=claimant)
    booth = make_booth(cycle)
    census = [
        reverse("ballots:census_home"),
        reverse("ballots:census_import", args=[record.pk]),
        reverse("ballots:census_import_progress", args=[record.pk]),
        reverse("ballots:conflict_list"),
    ]
    booths = [
        reverse("ballots:booth_list"),
        reverse("ballots:booth_detail", args=[booth.pk]),
        reverse("ballots:booth_ballot", args=[booth.pk]),
        reverse("ballots:booth_reconciliation", args=[booth.pk]),
    ]
    return census, booths, conflict, booth


@pytest.mark.parametrize("role", ROLES)
def test_census_pages_for_administrators_booth_pages_for_booth_officers(client, role):
    census, booths, _conflict, _booth = _staff_urls()
    _as(client, role)
    for url in census:
        expected = "login" if role is None else (200 if role == roles.ADMINISTRATOR else 403)
        _expect(client.get(url), expected)
    for url in booths:
        if role is None:
            expected = "login"
        elif role in (roles.BOOTH_OFFICER, roles.ADMINISTRATOR):
            expected = 200
        else:
            expected = 403
        _expect(client.get(url), expected)


@pytest.mark.parametrize("role", ROLES)
def test_staff_posts_refused_without_the_permission(client, role):
    _census, _booths, conflict, booth = _staff_urls()
    _as(client, role)
    resolve = client.post(
        reverse("ballots:conflict_resolve", args=[conflict.pk]), {"action": "dismiss"}
    )
    mark = client.post(reverse("ballots:booth_mark", args=[booth.pk]), {"token": "x"})
    if role is None:
        _expect(resolve, "login")
        _expect(mark, "login")
    else:
        _expect(resolve, 302 if role == roles.ADMINISTRATOR else 403)
        _expect(mark, 302 if role in (roles.BOOTH_OFFICER, roles.ADMINISTRATOR) else 403)
    conflict.refresh_from_db()
    assert (conflict.status == "dismissed") == (role == roles.ADMINISTRATOR)


@pytest.mark.parametrize("role", [roles.BOOTH_OFFICER, roles.ADMINISTRATOR])
def test_staff_pages_need_the_second_factor(client, role):
    _census, booths, _conflict, _booth = _staff_urls()
    client.force_login(make_user("nomfa@example.org", roles=[role]))
    for url in booths:
        response = client.get(url)
        assert response.status_code == 302
        assert not response.url.startswith(url)


def test_only_administrators_may_open_booths(client):
    cycle = _cycle("voting")
    officer = make_user("officer@example.org", roles=[roles.BOOTH_OFFICER])
    staff_login(client, officer)
    response = client.post(
        reverse("ballots:booth_list"), {"cycle": cycle.pk, "name": "School", "place": ""}
    )
    assert response.status_code == 403
    admin = make_user("boss@example.org", roles=[roles.ADMINISTRATOR])
    staff_login(client, admin)
    response = client.post(
        reverse("ballots:booth_list"), {"cycle": cycle.pk, "name": "School", "place": ""}
    )
    assert response.status_code == 302
    assert cycle.booths.filter(name="School").exists()


def test_nav_and_staff_cards_registered(client):
    admin = make_user("cards@example.org", roles=[roles.ADMINISTRATOR])
    staff_login(client, admin)
    html = client.get(reverse("staff_home")).content.decode()
    for url in ("ballots:census_home", "ballots:booth_list", "ballots:turnout_list"):
        assert reverse(url) in html
    assert reverse("ballots:vote_home") in client.get("/").content.decode()
