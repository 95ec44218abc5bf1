import datetime

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def span(value: datetime.timedelta | None) -> str:
    """A duration in the unit that reads best: minutes, hours or days."""
    if value is None:
        return "\u2013"
    minutes = value.total_seconds() / 60
    if minutes < 60:
        return _("%(n)d min") % {"n": round(minutes)}
    if minutes < 48 * 60:
        return _("%(n)s h") % {"n": f"{minutes / 60:.1f}"}
    return _("%(n)s d") % {"n": f"{minutes / 1440:.1f}"}


@register.filter
def percent(value: float | None) -> str:
    return "\u2013" if value is None else f"{value * 100:.0f}%"
