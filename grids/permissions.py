"""Access to the grid's own pages, built on `grids.access`."""

from django.http import Http404

from . import access
from .models import GridCell, School


def get_visible_cell_or_404(user, pk) -> GridCell:
    """A cell the user may look at; a cell out of reach is a 404, the same as a missing one."""
    return access.get_in_reach_or_404(
        access.visible_cells(user).select_related("school", "parent"), pk=pk
    )


def can_administer(user, school: School) -> bool:
    return access.is_school_admin(user, school)


def can_view_coverage(user, school: School) -> bool:
    """School admins and the school leader see the coverage report."""
    return access.is_school_admin(user, school) or access.is_school_leader(user, school)


def get_administered_cell_or_404(user, pk) -> GridCell:
    cell = get_visible_cell_or_404(user, pk)
    if not can_administer(user, cell.school):
        raise access.OutOfReach(f"administer cell {cell.pk}")
    return cell


def viewer_school_or_404(user) -> School:
    """The school whose pages the user is looking at: the one their person belongs to."""
    person = access.person_of(user)
    if person is None:
        raise Http404
    return person.school
