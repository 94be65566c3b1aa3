"""Template helpers shared by every app: ``{% load pbudget_tags %}``."""

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ extras|get_item:proposal.pk }}``: a dict lookup with a variable key."""
    if not mapping:
        return ""
    return mapping.get(key, "")


@register.filter
def money(amount, currency: str = "") -> str:
    """``{{ amount|money:cycle.currency }}`` → "40,000 EUR" (cents shown only when present)."""
    if amount in (None, ""):
        return "—"
    amount = Decimal(amount)
    text = intcomma(f"{amount:.2f}") if amount != amount.to_integral() else intcomma(int(amount))
    return f"{text} {currency}".strip()
