"""Duty lists: what a cell, or a person's cells, are responsible for. Two queries."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from grids.models import GridCell

from .models import CellPost, Duty


@dataclass
class DutyList:
    cell: GridCell
    level: list[str] = field(default_factory=list)
    posts: list[tuple[str, list[str]]] = field(default_factory=list)  # (post name, duties)

    @property
    def extra(self) -> str:
        return self.cell.duties

    @property
    def is_empty(self) -> bool:
        return not (self.level or self.posts or self.extra)


def duty_lists(cells: list[GridCell]) -> list[DutyList]:
    """Each cell's level duties, its posts' duties and its own extra duties."""
    if not cells:
        return []
    links = list(
        CellPost.objects.filter(cell__in=cells)
        .select_related("post")
        .order_by("post__sort_order", "post_id")
    )
    posts_of = defaultdict(list)
    for link in links:
        posts_of[link.cell_id].append(link.post)
    school_ids = {cell.school_id for cell in cells}
    duties = Duty.objects.filter(school_id__in=school_ids, is_active=True).filter(
        Q(post_id__in={link.post_id for link in links})
        | Q(level__in={cell.level for cell in cells})
    )
    by_post, by_level = defaultdict(list), defaultdict(list)
    for duty in duties:
        if duty.post_id:
            by_post[duty.post_id].append(duty.text)
        else:
            by_level[(duty.school_id, duty.level)].append(duty.text)
    return [
        DutyList(
            cell=cell,
            level=by_level[(cell.school_id, cell.level)],
            posts=[(post.name, by_post[post.pk]) for post in posts_of[cell.pk]],
        )
        for cell in cells
    ]
