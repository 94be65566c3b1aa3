"""The prepared reads of pbudget.fastread give the instances the ORM gives."""

from __future__ import annotations

import pytest
from django.http import Http404

from ballots.models import CensusEntry
from ballots.selectors import cycle_and_entry_for_ballot
from pbudget import fastread
from pbudget.models import Cycle, District
from tests.ballots.factories import make_entry, make_voter
from tests.factories import make_cycle, make_user

pytestmark = pytest.mark.django_db


def _same(instance, other) -> None:
    assert type(instance) is type(other)
    for field in type(instance)._meta.concrete_fields:
        mine, theirs = getattr(instance, field.attname), getattr(other, field.attname)
        assert mine == theirs, field.name
        assert type(mine) is type(theirs), field.name
    assert instance._state.adding is False and instance._state.db == "default"


def test_one_reads_a_cycle_as_the_orm_does():
    cycle = make_cycle(phase="voting", slug="fast-cycle", voting_method="cumulative")
    read = fastread.one(Cycle, "t.slug = %s", ["fast-cycle"])
    _same(read, Cycle.objects.get(pk=cycle.pk))
    assert read.phase == cycle.phase
    assert fastread.one(Cycle, "t.slug = %s", ["no-such-cycle"]) is None


def test_the_ballot_reads_cycle_entry_district_and_email_check_in_one_query(
    django_assert_num_queries,
):
    from django.contrib.auth.models import AnonymousUser

    cycle = make_cycle(phase="voting", slug="fast-entry")
    old_town = District.objects.get(slug="old-town")
    voter = make_voter("fast@example.org", old_town, document="FAST1234")
    with django_assert_num_queries(1):
        read_cycle, entry = cycle_and_entry_for_ballot("fast-entry", voter)
    _same(read_cycle, Cycle.objects.get(pk=cycle.pk))
    _same(entry, CensusEntry.objects.get(claimed_by=voter))
    _same(entry.district, old_town)
    assert entry.email_verified is True

    unconfirmed = make_user("unconfirmed@example.org", verified=False)
    make_entry("FAST5678", old_town, claimed_by=unconfirmed)
    assert cycle_and_entry_for_ballot("fast-entry", unconfirmed)[1].email_verified is False
    nobody = make_user("nobody@example.org")
    assert cycle_and_entry_for_ballot("fast-entry", nobody)[0].pk == cycle.pk
    assert cycle_and_entry_for_ballot("fast-entry", nobody)[1] is None
    assert cycle_and_entry_for_ballot("fast-entry", AnonymousUser())[1] is None
    assert cycle_and_entry_for_ballot("no-such-cycle", voter) == (None, None)


def test_an_unknown_or_unpublished_cycle_on_the_ballot_page_is_a_404(client):
    from ballots.views import _visible

    with pytest.raises(Http404):
        _visible(None, None)
    assert client.get("/vote/missing/").status_code == 404
    make_cycle(phase="voting", slug="hidden-vote", is_published=False)
    client.force_login(make_user("resident-hidden@example.org"))
    assert client.get("/vote/hidden-vote/").status_code == 404


def test_the_backends_read_the_same_user_and_refuse_inactive_or_unknown_ones():
    from pbudget.auth_backends import AuthenticationBackend, ModelBackend
    from pbudget.models import User

    user = make_user("backend@example.org")
    for backend in (ModelBackend(), AuthenticationBackend()):
        _same(backend.get_user(str(user.pk)), User.objects.get(pk=user.pk))
        assert backend.get_user(str(user.pk + 1000)) is None
        assert backend.get_user("not-a-number") is None
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert ModelBackend().get_user(user.pk) is None


def test_a_signed_in_person_stays_signed_in_across_requests(client):
    user = make_user("session@example.org")
    client.force_login(user)
    response = client.get("/accounts/profile/")
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == user.pk
