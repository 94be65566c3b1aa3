"""Fifty simultaneous clicks on "Support" leave exactly one support and a count of one."""

import threading

import pytest
from django.db import close_old_connections

from proposals import services
from proposals.models import Proposal, Support
from tests.factories import make_cycle, make_user
from tests.proposals.factories import make_proposal

pytestmark = pytest.mark.django_db(transaction=True)


def _run_together(count: int, action) -> list:
    barrier = threading.Barrier(count)
    errors: list = []

    def worker(index):
        try:
            barrier.wait(timeout=30)
            action(index)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_given_50_concurrent_clicks_by_one_person_then_one_support_is_counted():
    cycle = make_cycle(phase="ideas", slug="ideas-concurrency")
    proposal = make_proposal(cycle=cycle)
    user = make_user("clicker@example.org")

    errors = _run_together(50, lambda _i: services.support_add(proposal=proposal, user=user))

    assert errors == []
    assert Support.objects.filter(proposal=proposal).count() == 1
    assert Proposal.objects.get(pk=proposal.pk).support_count == 1


def test_given_concurrent_adds_and_removes_by_many_people_then_the_count_matches_the_rows():
    cycle = make_cycle(phase="ideas", slug="ideas-concurrency-2")
    proposal = make_proposal(cycle=cycle)
    users = [make_user(f"p{i}@example.org") for i in range(10)]

    def click(index):
        user = users[index % 10]
        if index < 20:
            services.support_add(proposal=proposal, user=user)
        elif index % 2:
            services.support_remove(proposal=proposal, user=user)

    errors = _run_together(30, click)

    assert errors == []
    rows = Support.objects.filter(proposal=proposal).count()
    assert Proposal.objects.get(pk=proposal.pk).support_count == rows
