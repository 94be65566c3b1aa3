"""The in-kind value shown beside the cash cost on proposal lists, pages and ballots."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coproduction.selectors import accepted_pledges_by_proposal, verified_values_by_project
from pbudget.models import Cycle
from pbudget.templatetags.pbudget_tags import money
from proposals.models import ProposalStatus


def proposal_url(proposal) -> str:
    """The proposal's page; while the proposals app has none, the pledge page stands in."""
    try:
        return proposal.get_absolute_url()
    except NoReverseMatch:
        return reverse("coproduction:pledge_create", kwargs={"pk": proposal.pk})


def _amounts(per_currency: dict, first: str) -> str:
    ordered = sorted(per_currency.items(), key=lambda item: (item[0] != first, item[0]))
    return " + ".join(money(value, currency) for currency, value in ordered)


def inkind_extra(proposals, place: str) -> dict:
    """{pk: escaped HTML} for a batch of proposals, in at most three queries.

    "40,000 EUR public cost + 6,200 EUR in residents' time and materials from 23 people".
    Values in another currency than the cycle's are listed apart and said not converted.
    On the detail page, links to pledge and (for funded projects) to the budget line.
    """
    from coproduction.services import PLEDGEABLE_STATUSES

    proposals = list(proposals)
    if not proposals:
        return {}
    pledges = accepted_pledges_by_proposal(p.pk for p in proposals)
    # The cycle's currency: from the cycles the caller selected with the proposals, or
    # one query when it did not.
    currencies = {
        p.cycle_id: p.cycle.currency for p in proposals if "cycle" in p._state.fields_cache
    }
    missing = {p.cycle_id for p in proposals} - set(currencies)
    if missing:
        currencies.update(Cycle.objects.filter(pk__in=missing).values_list("pk", "currency"))
    verified = {}
    if place == "detail":
        verified = verified_values_by_project(
            p.pk for p in proposals if p.status == ProposalStatus.SELECTED
        )
    html = {}
    for proposal in proposals:
        currency = currencies.get(proposal.cycle_id, "")
        data = pledges.get(proposal.pk)
        parts = []
        if data and data["values"]:
            people = data["people"]
            inkind = _amounts(data["values"], currency)
            cash = (
                _("%(cash)s public cost + ") % {"cash": money(proposal.official_cost, currency)}
                if proposal.official_cost is not None
                else ""
            )
            sentence = ngettext(
                "%(cash)s%(inkind)s in residents' time and materials from %(people)s person",
                "%(cash)s%(inkind)s in residents' time and materials from %(people)s people",
                people,
            ) % {"cash": cash, "inkind": inkind, "people": f"{people:,}"}
            others = sorted(set(data["values"]) - {currency})
            if others:
                sentence += " " + _(
                    "(values in %(others)s are shown as valued, not converted to %(currency)s)"
                ) % {"others": ", ".join(others), "currency": currency}
            parts.append(format_html('<span class="inkind">{}</span>', sentence))
        if place == "detail":
            links = []
            if proposal.status in PLEDGEABLE_STATUSES and not proposal.is_hidden:
                links.append(
                    format_html(
                        '<a href="{}">{}</a>',
                        reverse("coproduction:pledge_create", kwargs={"pk": proposal.pk}),
                        _("Pledge your time, skills or materials"),
                    )
                )
            if proposal.status == ProposalStatus.SELECTED:
                delivered = verified.get(proposal.pk)
                if delivered:
                    parts.append(
                        format_html(
                            '<span class="inkind">{}</span>',
                            _("Delivered and verified so far: %(value)s")
                            % {"value": _amounts(delivered, currency)},
                        )
                    )
                links.append(
                    format_html(
                        '<a href="{}">{}</a>',
                        reverse("coproduction:project", kwargs={"pk": proposal.pk}),
                        _("Budget line and residents' contributions"),
                    )
                )
            if links:
                parts.append(
                    format_html(
                        '<span class="inkind-links">{}</span>',
                        mark_safe(" · ".join(links)),  # noqa: S308
                    )
                )
        if parts:
            html[proposal.pk] = mark_safe("".join(parts))  # noqa: S308  (built with format_html)
    return html
