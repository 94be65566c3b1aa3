"""What a visitor can do now in each cycle, as a sentence and a button.

The core knows the phases; the pages they lead to belong to the feature apps, so each
link is found by URL name and left out when that app is not installed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from pbudget.models import Cycle, Phase


@dataclass(frozen=True)
class Action:
    cycle: Cycle
    text: str  # what is happening, with its deadline (no full stop: a date may end in one)
    label: str  # the button
    url: str


def _url(name: str, *args, query: str = "") -> str | None:
    try:
        return reverse(name, args=args) + query
    except NoReverseMatch:
        return None


def _until(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def action_for(cycle: Cycle) -> Action | None:
    """The main thing a resident can do in ``cycle`` now, if anything."""
    phase = cycle.phase
    if phase == Phase.VOTING:
        text = _("Voting is open until %(when)s") % {"when": _until(cycle.voting_closes)}
        # The ballot asks to sign in or to verify residency first when needed.
        url, label = _url("ballots:ballot", cycle.slug), _("Vote now")
    elif phase == Phase.IDEAS:
        text = _("Ideas are welcome until %(when)s") % {"when": _until(cycle.review_opens)}
        url = _url("proposals:create", query=f"?cycle={cycle.slug}")
        label = _("Propose an idea")
    elif phase == Phase.REVIEW:
        text = _("City staff are reviewing the ideas; voting opens on %(when)s") % {
            "when": _until(cycle.voting_opens)
        }
        url, label = _url("proposals:list", query=f"?cycle={cycle.slug}"), _("See the ideas")
    elif phase == Phase.RESULTS:
        text = _("Voting has closed.")
        url, label = _url("ballots:results_cycle", cycle.slug), _("See the results")
    elif phase == Phase.IMPLEMENTATION:
        text = _("The funded projects are being built.")
        url = _url("proposals:project_list")
        label = _("Follow the projects")
    else:
        return None
    if url is None:
        return None
    return Action(cycle=cycle, text=text, label=label, url=url)


def actions_now(cycles) -> list[Action]:
    """Every cycle's action, voting first, then ideas, then the rest."""
    order = [Phase.VOTING, Phase.IDEAS, Phase.REVIEW, Phase.RESULTS, Phase.IMPLEMENTATION]
    found = [action for cycle in cycles if (action := action_for(cycle))]
    return sorted(found, key=lambda action: order.index(action.cycle.phase))
