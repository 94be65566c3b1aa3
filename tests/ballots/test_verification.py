"""Online residency verification: a match verifies; wrong tries lock; double claims queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ballots.models import CensusConflict, CensusEntry, VerificationAttempt
from ballots.services import census_conflict_resolve, residency_verify
from tests.ballots.factories import BIRTH, make_entry
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _verify(user, document="12.345.678-z", birth=BIRTH, postal="28 001"):
    return residency_verify(
        user=user, document_number=document, birth_date=birth, postal_code=postal
    )


def test_given_matching_details_when_verifying_then_account_gets_the_district(old_town):
    make_entry("12345678Z", old_town, postal="28001")
    user = make_user("new@example.org")
    entry = _verify(user)
    assert entry.claimed_by == user
    assert entry.district == old_town
    assert CensusEntry.objects.get(claimed_by=user).district == old_town


def test_given_wrong_details_five_times_then_locked_for_an_hour_even_with_right_ones(old_town):
    make_entry("12345678Z", old_town, postal="28001")
    user = make_user("guess@example.org")
    for attempt in range(5):
        with pytest.raises(ValidationError) as caught:
            _verify(user, document=f"WRONG{attempt}")
        assert caught.value.code == "no_match"
    assert VerificationAttempt.objects.filter(user=user, succeeded=False).count() == 5
    with pytest.raises(ValidationError) as caught:
        _verify(user)
    assert caught.value.code == "locked"
    assert not CensusEntry.objects.filter(claimed_by=user).exists()
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert _verify(user).claimed_by == user


def test_given_wrong_birth_date_then_no_match_and_tries_left_are_told(old_town):
    make_entry("12345678Z", old_town, postal="28001")
    user = make_user("typo@example.org")
    with pytest.raises(ValidationError) as caught:
        _verify(user, birth=BIRTH + timedelta(days=1))
    assert "4 tries left" in caught.value.messages[0]


def test_given_entry_claimed_by_another_account_then_refused_and_conflict_queued(
    old_town, mailoutbox, django_capture_on_commit_callbacks
):
    from pbudget import roles

    admin = make_user("admin@example.org", roles=[roles.ADMINISTRATOR])
    holder = make_user("holder@example.org")
    make_entry("12345678Z", old_town, postal="28001", claimed_by=holder)
    claimant = make_user("second@example.org")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as caught:
        _verify(claimant)
    assert caught.value.code == "claimed"
    conflict = CensusConflict.objects.get()
    assert conflict.claimant == claimant
    assert conflict.entry.claimed_by == holder
    assert not VerificationAttempt.objects.filter(user=claimant, succeeded=False).exists()
    assert [m.to for m in mailoutbox] == [[admin.email]]

    census_conflict_resolve(conflict=conflict, staff=admin, reassign=True, note="ID checked")
    assert CensusEntry.objects.get().claimed_by == claimant


def test_given_verified_account_when_verifying_again_then_refused(old_town):
    make_entry("12345678Z", old_town, postal="28001")
    make_entry("87654321X", old_town, postal="28001")
    user = make_user("twice@example.org")
    _verify(user)
    with pytest.raises(ValidationError) as caught:
        _verify(user, document="87654321X")
    assert caught.value.code == "already_verified"


def test_given_verify_page_when_details_wrong_then_form_keeps_input(client, old_town):
    user = make_user("page@example.org")
    client.force_login(user)
    response = client.post(
        reverse("ballots:verify"),
        {"document_number": "NOPE123", "birth_date": "1990-05-17", "postal_code": "28001"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "do not match the census" in html
    assert 'value="NOPE123"' in html


def test_given_verify_page_when_details_match_then_redirects_to_next(
    client, voting_cycle, old_town
):
    make_entry("12345678Z", old_town, postal="28001")
    client.force_login(make_user("ok@example.org"))
    ballot_url = reverse("ballots:ballot", args=[voting_cycle.slug])
    response = client.post(
        reverse("ballots:verify"),
        {
            "document_number": "12345678Z",
            "birth_date": "1990-05-17",
            "postal_code": "28001",
            "next": ballot_url,
        },
    )
    assert response.status_code == 302
    assert response.url == ballot_url
