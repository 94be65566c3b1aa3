"""The count's demo loader: Assen 2024 imported, counted and published once; budget-2025
counted and published when it has ballots."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ballots.counting import demo
from ballots.models import Ballot, ImportedElection, TallyRun
from pbudget.models import Cycle
from tests.ballots.tally_factories import closed_cycle, vote_old_town

pytestmark = pytest.mark.django_db

ASSEN_WINNERS = {"3", "9", "2", "11", "13", "14", "5", "6", "12"}  # the file's selected column


def test_given_the_loader_run_twice_then_assen_is_imported_counted_and_published_once():
    demo.load(now=timezone.now())
    demo.load(now=timezone.now())

    cycle = Cycle.objects.get(slug=demo.IMPORTED_SLUG)
    assert Ballot.objects.filter(cycle=cycle).count() == 84
    run = TallyRun.objects.get(cycle=cycle, is_official=True)
    assert run.is_published and run.rule == "mes-add1"
    imported = ImportedElection.objects.get(cycle=cycle)
    assert {imported.project_ids[pk] for pk in run.winners} == ASSEN_WINNERS
    assert TallyRun.objects.filter(cycle=cycle).count() == 2  # official + greedy comparison


def test_the_loader_counts_and_publishes_budget_2025_when_it_has_ballots():
    cycle = closed_cycle(slug=demo.COUNTED_SLUG)
    vote_old_town(cycle)

    demo.load(now=timezone.now())

    runs = TallyRun.objects.filter(cycle=cycle, is_official=True)
    assert runs.count() == 2  # Old Town and city-wide
    assert all(run.is_published for run in runs)
    assert cycle.proposals.filter(status="feasible").count() == 0


def test_the_loader_imports_a_ranked_election_whose_page_compares_the_rules(client):
    from django.urls import reverse

    demo.load(now=timezone.now())
    demo.load(now=timezone.now())

    cycle = Cycle.objects.get(slug=demo.RANKED_SLUG)
    assert cycle.voting_method == "ranked"
    assert Ballot.objects.filter(cycle=cycle).count() == 103
    official = TallyRun.objects.get(cycle=cycle, is_official=True)
    assert official.is_published
    assert set(TallyRun.objects.filter(cycle=cycle).values_list("rule", flat=True)) >= {
        "greedy",
        "mes-add1-greedy",
    }
    district = official.district.slug
    html = client.get(reverse("ballots:results_detail", args=[cycle.slug, district])).content
    html = html.decode()
    assert "How the rule changes the outcome" in html
    assert "Greedy by approvals" in html
    assert "read every ballot as a list of approved projects" in html
