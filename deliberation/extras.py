"""What the deliberation app adds to proposal pages: the discussion and its comment count.

Plugged in through ``pbudget.registry`` (the proposals app does not import this one).
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import ngettext

from deliberation.models import Topic


def comment_counts(proposals) -> dict[int, int]:
    """Comments per proposal pk, as the discussion itself counts them (hidden topics left out)."""
    return dict(
        Topic.objects.filter(proposal__in=proposals, is_hidden=False).values_list(
            "proposal_id", "comment_count"
        )
    )


def comment_count_extra(proposals, place: str) -> dict:
    """On lists: "3 comments", linking to the discussion (one query for the whole list)."""
    if place != "list":
        return {}
    counts = comment_counts(proposals)
    return {
        pk: format_html(
            '<a href="{}">{}</a>',
            reverse("deliberation:proposal_discussion", args=[pk]),
            ngettext("%(n)d comment", "%(n)d comments", n) % {"n": n},
        )
        for pk, n in counts.items()
        if n
    }


def discussion_section(proposal) -> str:
    """On the proposal page: the discussion, loaded by htmx; a plain link without JavaScript.

    Only public proposals (not drafts or withdrawn ones) are discussed.
    """
    if not (proposal.is_public and proposal.cycle.is_published):  # both already in hand
        return ""
    return render_to_string(
        "deliberation/_proposal_section.html",
        {
            "proposal": proposal,
            "comments": comment_counts([proposal]).get(proposal.pk, 0),
            "page_url": reverse("deliberation:proposal_discussion", args=[proposal.pk]),
            "fragment_url": reverse(
                "deliberation:proposal_discussion_fragment", args=[proposal.pk]
            ),
        },
    )
