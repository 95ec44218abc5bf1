from django import template

from grids import access

register = template.Library()


@register.simple_tag
def can_export(user) -> bool:
    """Whether the navigation offers the exports: to those who cover a cell, and admins."""
    return access.covered_cells(user).exists() or access.administered_schools(user).exists()
