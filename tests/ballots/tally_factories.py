"""Factories for count tests: a cycle whose vote just closed, with ballots cast."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from ballots.hashing import receipt_hash
from ballots.models import Ballot, BallotChoice, Channel
from pbudget.models import Cycle, District
from tests.ballots.factories import make_project
from tests.factories import make_cycle


def add_ballots(cycle: Cycle, district: District, choices: list, copies: int = 1) -> None:
    """Store ``copies`` paper ballots of ``district`` for each entry of ``choices``.

    An entry is a list of proposals (approval), of ``(proposal, points)`` (cumulative), or
    of proposals in rank order (ranked).
    """
    ballots, rows = [], []
    ranked = cycle.voting_method == "ranked"
    for entry in choices:
        for _copy in range(copies):
            ballot = Ballot(
                cycle=cycle,
                district=district,
                channel=Channel.PAPER,
                receipt_hash=receipt_hash(uuid.uuid4().hex),
            )
            ballots.append(ballot)
            for rank, item in enumerate(entry, start=1):
                proposal, points = item if isinstance(item, tuple) else (item, 1)
                rows.append(
                    BallotChoice(
                        ballot=ballot,
                        proposal=proposal,
                        points=points,
                        rank=rank if ranked else None,
                    )
                )
    Ballot.objects.bulk_create(ballots)
    BallotChoice.objects.bulk_create(rows)


def closed_cycle(*, slug: str = "count-2026", rule: str = "mes-add1", method: str = "approval"):
    """A cycle whose voting closed an hour ago, with projects in Old Town and city-wide.

    Old Town (budget 50,000): Playground 30,000, Bike lane 20,000, Benches 15,000,
    Fountain 40,000. City-wide (100,000): Tram stop 60,000, Library hours 50,000.
    """
    cycle = make_cycle(phase="results", slug=slug, voting_method=method, tally_rule=rule)
    now = timezone.now()
    Cycle.objects.filter(pk=cycle.pk).update(
        voting_opens=now - timedelta(days=10),
        voting_closes=now - timedelta(hours=1),
        implementation_opens=now + timedelta(days=30),
    )
    cycle.refresh_from_db()
    old_town = District.objects.get(slug="old-town")
    citywide = District.objects.get(is_citywide=True)
    for district, cost, title in [
        (old_town, "30000", "Playground"),
        (old_town, "20000", "Bike lane"),
        (old_town, "15000", "Benches"),
        (old_town, "40000", "Fountain"),
        (citywide, "60000", "Tram stop"),
        (citywide, "50000", "Library hours"),
    ]:
        make_project(cycle, district, cost, title)
    return cycle


def p(cycle: Cycle, title: str):
    return cycle.proposals.get(title=title)


def vote_old_town(cycle: Cycle) -> None:
    """Old Town: 6 voters want Playground + Bike lane (and the tram stop), 4 want Benches
    (and longer library hours), 1 ballot is blank.

    Greedy funds Bike lane, then Playground (50,000, all of it); Equal Shares funds Bike
    lane, then Benches: the minority of 4 gets its share. Nobody votes for Fountain.
    """
    old_town = District.objects.get(slug="old-town")
    add_ballots(
        cycle,
        old_town,
        [[p(cycle, "Playground"), p(cycle, "Bike lane"), p(cycle, "Tram stop")]],
        copies=6,
    )
    add_ballots(cycle, old_town, [[p(cycle, "Benches"), p(cycle, "Library hours")]], copies=4)
    add_ballots(cycle, old_town, [[]], copies=1)  # a blank ballot still counts as a voter
