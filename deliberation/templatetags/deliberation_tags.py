"""Template helpers of deliberation: ``{% load deliberation_tags %}``."""

from django import template
from django.utils.translation import gettext

from deliberation.models import AUTO_HIDDEN_REASON

register = template.Library()


@register.filter
def public_reason(reason: str) -> str:
    """The public reason for hiding, translated when it is the automatic one."""
    if reason == AUTO_HIDDEN_REASON:
        return gettext("Hidden until a moderator has reviewed reports about it.")
    return reason


@register.filter
def percent(rate) -> str:
    """0.734 → "73%"."""
    if rate in (None, ""):
        return "—"
    return f"{round(float(rate) * 100)}%"
