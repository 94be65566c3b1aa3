"""Turnout figures and chart; published receipts; the demo loader."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ballots.hashing import receipt_hash
from ballots.models import Ballot, BallotLink, CensusEntry, SealedBallot, VoterRoll
from ballots.selectors import turnout, turnout_chart
from ballots.services import ballot_cast, voter_mark_paper
from tests.ballots.conftest import project
from tests.ballots.factories import make_booth, make_entry, make_voter
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_turnout_counts_online_and_paper_per_district_and_day(voting_cycle, old_town):
    benches = project(voting_cycle, "Benches").pk
    for n in range(3):
        ballot_cast(
            user=make_voter(f"t{n}@example.org", old_town), cycle=voting_cycle, values={benches: 1}
        )
    VoterRoll.objects.filter(pk=VoterRoll.objects.first().pk).update(
        voted_at=timezone.now() - timedelta(days=2)
    )
    officer = make_user("officer@example.org", roles=["booth officer"])
    voter_mark_paper(
        officer=officer, booth=make_booth(voting_cycle), entry=make_entry("PAPER1", old_town)
    )
    make_entry("NEVER", old_town)
    data = turnout(voting_cycle)
    row = next(r for r in data["districts"] if r["district"] == old_town)
    assert (row["online"], row["paper"], row["total"], row["eligible"]) == (3, 1, 4, 5)
    assert row["share"] == 80
    assert len(data["days"]) == 3  # the empty day in between is shown
    assert sum(d["total"] for d in data["days"]) == 4
    chart = turnout_chart(data["days"])
    assert len(chart["bars"]) == 3


def test_public_turnout_page_after_the_vote_has_table_and_svg(client, old_town):
    from tests.factories import make_cycle

    cycle = make_cycle(phase="results", slug="done")
    entry = make_entry("DONE1", old_town)
    VoterRoll.objects.create(
        voter=entry, cycle=cycle, district=old_town, channel="online", voted_at=cycle.voting_opens
    )
    html = client.get(reverse("ballots:turnout", args=[cycle.slug])).content.decode()
    assert "<svg" in html
    assert "<table" in html
    assert "<script" not in html.split("<main")[1]


def test_receipt_check_finds_a_counted_code(client, old_town):
    from tests.factories import make_cycle

    cycle = make_cycle(phase="results", slug="closed")
    Ballot.objects.create(
        cycle=cycle,
        district=old_town,
        channel="online",
        receipt_hash=receipt_hash("AB12-CD34"),
    )
    found = client.get(reverse("ballots:receipts", args=[cycle.slug]), {"code": "ab12cd34"})
    assert "your ballot was counted" in found.content.decode()
    missing = client.get(reverse("ballots:receipts", args=[cycle.slug]), {"code": "ZZZZ"})
    assert "Not found" in missing.content.decode()


def test_demo_loader_is_idempotent_and_verifies_demo_residents():
    from pbudget.demo import load_demo_data

    load_demo_data()
    counts = (CensusEntry.objects.count(), Ballot.objects.count(), VoterRoll.objects.count())
    load_demo_data()
    assert (
        CensusEntry.objects.count(),
        Ballot.objects.count(),
        VoterRoll.objects.count(),
    ) == counts
    assert CensusEntry.objects.get(claimed_by__email="resident@demo.pbudget.local")
    assert CensusEntry.objects.get(claimed_by__email="neighbour@demo.pbudget.local")
    # Every demo voter has exactly one ballot, mixed or still sealed in the box.
    mixed = Ballot.objects.filter(cycle__slug="budget-2026").count()
    waiting = SealedBallot.objects.filter(cycle__slug="budget-2026").count()
    assert mixed + waiting == VoterRoll.objects.filter(cycle__slug="budget-2026").count()
    assert mixed >= 150
    # Demo ballots went through the box: while voting runs, at least K per district wait
    # sealed; the closed cycle's box is empty and its links are erased.
    assert waiting >= 25
    assert not SealedBallot.objects.filter(cycle__slug="budget-2025").exists()
    assert not BallotLink.objects.filter(cycle__slug="budget-2025").exists()
    # Receipts are random, not derived from the census id.
    census = CensusEntry.objects.values_list("pk", flat=True)
    derived = {receipt_hash(f"demo-budget-2025-{pk}") for pk in census}
    assert not Ballot.objects.filter(receipt_hash__in=derived).exists()
    assert VoterRoll.objects.filter(cycle__slug="budget-2026", channel="paper").exists()


def test_demo_counts_the_same_official_results_as_before_the_ballot_box():
    """The demo's ballots now go through the box and the mixer: every official result
    (winners, voters, votes per project) is the one counted before the box existed."""
    import json
    from pathlib import Path

    from ballots.models import TallyRun
    from pbudget.demo import load_demo_data
    from proposals.models import Proposal

    load_demo_data()
    expected = json.loads(
        (Path(__file__).parent / "data" / "demo_official_results.json").read_text()
    )
    title = dict(Proposal.objects.values_list("pk", "title"))
    counted = {
        f"{run.cycle.slug}/{run.district.slug}/{run.rule}": {
            "winners": [title[int(pk)] for pk in run.winners],
            "voters": run.num_voters,
            "votes": sorted([title[int(pk)], votes] for pk, votes in run.votes.items()),
        }
        for run in TallyRun.objects.filter(is_official=True).select_related("cycle", "district")
    }
    assert counted == expected
