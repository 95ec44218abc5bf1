from django import template

register = template.Library()


@register.filter
def mask_phone(phone: str) -> str:
    """138****1234: enough to recognise a number, not enough to call it."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
