"""Template helpers of the coproduction app: ``{% load coproduction_tags %}``."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join

from pbudget.templatetags.pbudget_tags import money

register = template.Library()


@register.filter
def amounts(per_currency) -> str:
    """``{"EUR": 10, "USD": 5}`` → "10 EUR + 5 USD" (never added together); "—" when empty."""
    if not per_currency:
        return "—"
    return " + ".join(money(value, currency) for currency, value in sorted(per_currency.items()))


@register.filter
def in_currency(per_currency, currency):
    """The amount in one currency from a {currency: amount} mapping (0 when absent)."""
    return (per_currency or {}).get(currency, 0)


@register.simple_tag
def amount_list(per_currency):
    """The amounts of a {currency: amount} mapping as <span>s, one per currency."""
    return format_html_join(
        " + ",
        '<span class="nowrap">{}</span>',
        ((money(v, c),) for c, v in sorted(per_currency.items())),
    )


@register.filter
def proposal_url(proposal) -> str:
    """``{{ proposal|proposal_url }}``: the proposal's page (see coproduction.extras)."""
    from coproduction.extras import proposal_url as url

    return url(proposal)
