"""In Chromium: the results page of a ranked cycle puts Borda next to greedy and Equal
Shares on the ballots read as approvals, three columns that axe-core finds accessible."""

from __future__ import annotations

import pytest

from ballots.counting import services
from pbudget.models import District
from tests.ballots.tally_factories import add_ballots, closed_cycle, p

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_ranked_cycle_shows_three_rules_side_by_side(page, phone_page, axe_check):
    cycle = closed_cycle(slug="ranked-2026", rule="greedy", method="ranked")
    old_town = District.objects.get(slug="old-town")
    fountain, playground = p(cycle, "Fountain"), p(cycle, "Playground")
    add_ballots(cycle, old_town, [[fountain, playground, p(cycle, "Bike lane")]], copies=5)
    add_ballots(cycle, old_town, [[p(cycle, "Benches")]], copies=4)
    add_ballots(cycle, old_town, [[p(cycle, "Bike lane"), playground]], copies=2)
    run = services.count_run(cycle_id=cycle.pk, district_id=old_town.pk)
    services.results_publish(run=run, user=None)

    for browser_page in (page, phone_page):
        browser_page.goto(f"/results/{cycle.slug}/old-town/")
        heading = browser_page.get_by_role("heading", name="How the rule changes the outcome")
        assert heading.is_visible()
        columns = browser_page.locator("section.rule-column")
        assert columns.count() == 3
        assert columns.nth(0).locator("h3").inner_text().startswith("Borda count, then greedy")
        assert "Benches" in columns.nth(2).locator("ol").inner_text()
        axe_check(browser_page)
