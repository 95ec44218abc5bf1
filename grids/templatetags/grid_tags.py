from django import template
from django.utils.html import format_html

from grids import access

register = template.Library()


@register.filter
def mask_phone(phone: str) -> str:
    return access.mask_phone(phone)


@register.simple_tag(takes_context=True)
def phone(context, number: str, cell):
    """A phone number of someone in `cell` as the viewer may see it: a tel: link in full for
    those who manage the cell or above (and the school admin), masked for everyone else."""
    if not number:
        return ""
    if access.sees_phones_in(context["user"], cell):
        return format_html('<a href="tel:{0}" data-phone="full">{0}</a>', number)
    return format_html('<span data-phone="masked">{}</span>', access.mask_phone(number))
