"""Loading the duty library and the demo school's posts from their data files."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import GridCell, School, access_changed

from .models import CellPost, Duty, Post, Visit

LIBRARY_FILE = Path(__file__).parent / "data" / "duty_library.json"
DEMO_POSTS_FILE = Path(__file__).parent / "data" / "demo_posts.json"


@transaction.atomic
def duty_library_seed(school: School) -> None:
    """The plan's duties for a school that has none yet; an edited library is left alone."""
    if Duty.objects.filter(school=school).exists():
        return
    library = json.loads(LIBRARY_FILE.read_text(encoding="utf-8"))
    rows = []
    for level, texts in library["levels"].items():
        rows += [
            Duty(school=school, level=int(level), text=text, sort_order=n)
            for n, text in enumerate(texts)
        ]
    for order, entry in enumerate(library["posts"]):
        post, _created = Post.objects.get_or_create(
            school=school, code=entry["code"], defaults={"name": entry["name"], "sort_order": order}
        )
        rows += [
            Duty(school=school, post=post, text=text, sort_order=n)
            for n, text in enumerate(entry["duties"])
        ]
    Duty.objects.bulk_create(rows)


@transaction.atomic
def demo_posts_assign(school: School) -> None:
    """Give the demo school's cells their posts (idempotent)."""
    mapping = json.loads(DEMO_POSTS_FILE.read_text(encoding="utf-8")).get(school.code, {})
    posts = {post.code: post for post in Post.objects.filter(school=school)}
    cells = {cell.code: cell for cell in GridCell.objects.filter(school=school, code__in=mapping)}
    CellPost.objects.bulk_create(
        [
            CellPost(cell=cells[code], post=posts[post_code])
            for code, post_codes in mapping.items()
            for post_code in post_codes
        ],
        ignore_conflicts=True,
    )
    access_changed()  # bulk_create sends no signals: a class cell decides the health pages


ALREADY_LEFT = _("This visitor's exit was already logged.")


def visit_enter(*, cell: GridCell, actor, now=None, **details) -> Visit:
    """Log a visitor in at a gate cell."""
    return Visit.objects.create(
        cell=cell, entered_by=actor, entered_at=now or timezone.now(), **details
    )


def visit_leave(*, visit_id: int, actor, now=None) -> None:
    """Log the exit once: of two guards pressing at the same moment, one records it."""
    logged = Visit.objects.filter(pk=visit_id, left_at__isnull=True).update(
        left_at=now or timezone.now(), left_by=actor
    )
    if not logged:
        raise ValidationError(ALREADY_LEFT)
