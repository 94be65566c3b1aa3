"""Ranked cycles: Borda (the official rule) next to greedy and Equal Shares on approvals.

The election (Old Town, budget 50,000; 11 voters):

- 5 rank Fountain (40,000), Playground (30,000), Bike lane (20,000);
- 4 rank Benches (15,000) alone;
- 2 rank Bike lane, Playground.

Borda scores: Fountain 15, Playground 12, Bike lane 9, Benches 4, so Borda then greedy
funds Fountain and nothing else fits. Read as approvals: Playground 7, Bike lane 7,
Fountain 5, Benches 4; greedy funds Bike lane (cheaper of the tied two), then Playground.
Equal Shares gives each voter 50,000 / 11: Bike lane (7 supporters), then Benches (the 4
can pay 15,000 together); Playground and Fountain are out of their supporters' reach.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from ballots.counting import selectors, services
from ballots.models import TallyRun
from ballots.tally import ballot_hash
from pbudget import roles
from pbudget.models import District
from tests.ballots.tally_factories import add_ballots, closed_cycle, p
from tests.factories import make_user, staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked_cycle(db):
    cycle = closed_cycle(slug="ranked-2026", rule="greedy", method="ranked")
    old_town = District.objects.get(slug="old-town")
    fountain, playground = p(cycle, "Fountain"), p(cycle, "Playground")
    bike_lane, benches = p(cycle, "Bike lane"), p(cycle, "Benches")
    add_ballots(cycle, old_town, [[fountain, playground, bike_lane]], copies=5)
    add_ballots(cycle, old_town, [[benches]], copies=4)
    add_ballots(cycle, old_town, [[bike_lane, playground]], copies=2)
    return cycle


@pytest.fixture
def old_town(ranked_cycle):
    return District.objects.get(slug="old-town")


def ids(cycle, *titles):
    return [str(p(cycle, title).pk) for title in titles]


def _published(cycle, district):
    run = services.count_run(cycle_id=cycle.pk, district_id=district.pk)
    return services.results_publish(run=run, user=None)


def _columns(html: str) -> list[dict]:
    """Each column of the comparison: its heading, sentence and list items as plain text."""
    comparison = html.split('id="rules"')[1].split('id="open-data"')[0]
    columns = []
    for section in comparison.split('<section class="rule-column"')[1:]:
        heading = re.search(r"<h3[^>]*>(.*?)</h3>", section, re.S).group(1)
        items = re.findall(r"<li>(.*?)</li>", section)
        items = [re.sub(r"<[^>]+>", "", item).strip() for item in items]
        columns.append({"heading": heading, "text": section, "items": items})
    return columns


def test_the_ranked_count_stores_borda_and_the_comparison_on_approvals(ranked_cycle, old_town):
    run = services.count_run(cycle_id=ranked_cycle.pk, district_id=old_town.pk)

    assert run.rule == "borda" and run.is_official
    assert run.winners == ids(ranked_cycle, "Fountain")
    assert run.satisfied_voters == 5
    greedy = TallyRun.objects.get(cycle=ranked_cycle, district=old_town, rule="greedy")
    mes = TallyRun.objects.get(cycle=ranked_cycle, district=old_town, rule="mes-add1-greedy")
    assert not greedy.is_official and not mes.is_official
    assert greedy.winners == ids(ranked_cycle, "Bike lane", "Playground")
    assert greedy.votes[ids(ranked_cycle, "Playground")[0]] == 7  # approvals, not Borda
    assert greedy.satisfied_voters == 7
    assert mes.winners == ids(ranked_cycle, "Bike lane", "Benches")
    assert mes.satisfied_voters == 11
    # The same ballots as cast, whichever way a rule read them.
    cast = ballot_hash(selectors.election_for(ranked_cycle, old_town))
    assert run.ballot_hash == greedy.ballot_hash == mes.ballot_hash == cast


def test_ranked_ballots_read_as_approvals_keep_every_ranked_project_once(ranked_cycle, old_town):
    election = selectors.election_for(ranked_cycle, old_town)

    approvals = selectors.comparison_election(election)

    assert approvals.vote_type == "approval"
    assert approvals.num_voters == election.num_voters == 11
    assert [set(b.projects) for b in approvals.ballots] == [
        set(b.projects) for b in election.ballots
    ]
    assert all(b.points is None for b in approvals.ballots)


def test_the_results_page_of_a_ranked_cycle_compares_borda_with_equal_shares_on_approvals(
    client, ranked_cycle, old_town
):
    _published(ranked_cycle, old_town)

    response = client.get(reverse("ballots:results_detail", args=[ranked_cycle.slug, "old-town"]))

    html = response.content.decode()
    assert "How the rule changes the outcome" in html
    assert "The same ballots counted under three rules." in html
    assert (
        "Greedy and Equal Shares read every ballot as a list of approved projects: each project "
        "ranked on it counts as one vote, whatever its place." in html
    )
    assert "fund the same projects" not in html
    borda, greedy, mes = _columns(html)

    assert borda["heading"].startswith("Borda count, then greedy")
    assert "the official rule" in borda["heading"]
    assert borda["items"] == ["Fountain only under this rule"]
    assert "45.5 % of voters get at least one funded project they voted for." in borda["text"]
    assert "Spends 40,000 EUR." in borda["text"]

    assert greedy["heading"].startswith("Greedy by approvals")
    assert "the official rule" not in greedy["heading"]
    assert greedy["items"] == [
        "Bike lane not under the official rule",
        "Playground only under this rule",
    ]
    assert "63.6 % of voters get at least one funded project they voted for." in greedy["text"]

    assert mes["heading"].startswith("Method of Equal Shares, completed, then greedy, on approvals")
    assert mes["items"] == ["Bike lane not under the official rule", "Benches only under this rule"]
    assert "100.0 % of voters get at least one funded project they voted for." in mes["text"]
    assert "Spends 35,000 EUR." in mes["text"]


def test_when_every_rule_funds_the_same_projects_the_ranked_page_says_so(client, db):
    cycle = closed_cycle(slug="ranked-same", rule="greedy", method="ranked")
    old_town = District.objects.get(slug="old-town")
    add_ballots(cycle, old_town, [[p(cycle, "Bike lane"), p(cycle, "Benches")]], copies=3)
    _published(cycle, old_town)

    html = client.get(
        reverse("ballots:results_detail", args=[cycle.slug, "old-town"])
    ).content.decode()

    assert "All three rules fund the same projects." in html
    assert "only under this rule" not in html and "not under the official rule" not in html
    # In selection order: Borda puts Bike lane first, the approval tie goes to the cheaper.
    assert [sorted(column["items"]) for column in _columns(html)] == [["Benches", "Bike lane"]] * 3


def test_the_ranked_comparison_is_in_spanish(client, ranked_cycle, old_town):
    _published(ranked_cycle, old_town)
    client.post(reverse("set_language"), {"language": "es", "next": "/"})

    html = client.get(
        reverse("ballots:results_detail", args=[ranked_cycle.slug, "old-town"])
    ).content.decode()

    with translation.override("es"):
        for text in (
            "Borda count, then greedy",
            "Greedy by approvals: most approvals first, while the money lasts",
            "not under the official rule",
        ):
            assert translation.gettext(text) != text, "compile the catalogue first"
            assert translation.gettext(text) in html


# --- counts published before rules were compared on ranked ballots ------------------------


def _published_without_comparison(cycle, district):
    """A published ranked count as pbudget stored it before: the official row alone."""
    run = _published(cycle, district)
    TallyRun.objects.filter(cycle=cycle, district=district, is_official=False).delete()
    return run


def _admin(client):
    staff_login(client, make_user("admin@example.org", roles=[roles.ADMINISTRATOR]))


def test_an_old_published_count_gets_its_comparison_and_keeps_its_result(
    client, ranked_cycle, old_town
):
    run = _published_without_comparison(ranked_cycle, old_town)
    before = TallyRun.objects.values().get(pk=run.pk)
    results_url = reverse("ballots:results_detail", args=[ranked_cycle.slug, "old-town"])
    assert 'id="rules"' not in client.get(results_url).content.decode()
    _admin(client)
    page = client.get(reverse("ballots:count_detail", args=[ranked_cycle.slug, "old-town"]))
    assert "Work out the rule comparison" in page.content.decode()

    response = client.post(
        reverse("ballots:count_comparison", args=[ranked_cycle.slug, "old-town"]), follow=True
    )

    html = response.content.decode()
    assert "The rule comparison is ready." in html
    assert "Work out the rule comparison" not in html
    assert TallyRun.objects.values().get(pk=run.pk) == before  # the official row is untouched
    greedy = TallyRun.objects.get(cycle=ranked_cycle, district=old_town, rule="greedy")
    mes = TallyRun.objects.get(cycle=ranked_cycle, district=old_town, rule="mes-add1-greedy")
    assert greedy.winners == ids(ranked_cycle, "Bike lane", "Playground")
    assert mes.winners[:2] == ids(ranked_cycle, "Bike lane", "Benches")
    assert not greedy.is_official and not mes.is_official and greedy.published_at is None
    assert greedy.ballot_hash == mes.ballot_hash == run.ballot_hash
    columns = _columns(client.get(results_url).content.decode())
    assert len(columns) == 3


def test_the_comparison_is_refused_when_the_ballots_are_not_the_counted_ones(
    client, ranked_cycle, old_town
):
    run = _published_without_comparison(ranked_cycle, old_town)
    TallyRun.objects.filter(pk=run.pk).update(ballot_hash="0" * 64)
    _admin(client)

    response = client.post(
        reverse("ballots:count_comparison", args=[ranked_cycle.slug, "old-town"]), follow=True
    )

    assert "The ballots are not the ones this count counted." in response.content.decode()
    assert TallyRun.objects.filter(cycle=ranked_cycle).count() == 1


def test_a_count_with_its_comparison_is_left_alone(client, ranked_cycle, old_town):
    _published(ranked_cycle, old_town)
    rows = list(TallyRun.objects.filter(cycle=ranked_cycle).order_by("pk").values())
    _admin(client)
    page = client.get(reverse("ballots:count_detail", args=[ranked_cycle.slug, "old-town"]))
    assert "Work out the rule comparison" not in page.content.decode()

    response = client.post(
        reverse("ballots:count_comparison", args=[ranked_cycle.slug, "old-town"]), follow=True
    )

    assert "The rule comparison was already there." in response.content.decode()
    assert list(TallyRun.objects.filter(cycle=ranked_cycle).order_by("pk").values()) == rows


def test_the_comparison_needs_a_finished_count(client, ranked_cycle, old_town):
    _admin(client)

    response = client.post(
        reverse("ballots:count_comparison", args=[ranked_cycle.slug, "old-town"]), follow=True
    )

    assert "Count the ballots first." in response.content.decode()
    assert not TallyRun.objects.filter(cycle=ranked_cycle).exists()


def test_the_results_page_of_a_ranked_cycle_says_points_not_votes(client, ranked_cycle, old_town):
    """Borda scores are points: "178 votes" from 103 ballots would be wrong."""
    import re

    _published(ranked_cycle, old_town)
    html = client.get(
        reverse("ballots:results_detail", args=[ranked_cycle.slug, "old-town"])
    ).content.decode()
    official = html.split("How the rule changes the outcome")[0]
    assert "Points for every project" in official
    assert '<th scope="col" class="num">Points</th>' in official
    assert re.search(r"\d+ points?</li>", official)
    assert not re.search(r"\d+ votes?</li>", official)
    assert "Votes for every project" not in official
