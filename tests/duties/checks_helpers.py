"""Recurring checks on the personas' grid: posts on cells, a check per frequency, time travel."""

import datetime

import pytest
from django.utils import timezone

from duties.checks.models import CheckItem, CheckTemplate, Frequency, ItemKind, Term
from duties.models import CellPost, Duty, Post
from duties.services import duty_library_seed


def at(day: datetime.date, hour: int = 8) -> datetime.datetime:
    """An aware moment on a local (Asia/Shanghai) day."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


# 2026-11-30 is a Monday, inside the autumn term.
MONDAY = datetime.date(2026, 11, 30)


def template_for(school, post_code, frequency, title, items=None, duty_index=0):
    duty = Duty.objects.filter(school=school, post__code=post_code).order_by("sort_order")[
        duty_index
    ]
    template = CheckTemplate.objects.create(duty=duty, title=title, frequency=frequency)
    for n, (label, kind, extra) in enumerate(items or [("All in order", ItemKind.YES_NO, {})]):
        CheckItem.objects.create(template=template, label=label, kind=kind, sort_order=n, **extra)
    return template


def carry(cell, post_code):
    CellPost.objects.create(cell=cell, post=Post.objects.get(school=cell.school, code=post_code))


@pytest.fixture(name="checks")
def checks_fixture(grid):
    return make_checks(grid)


def make_checks(grid):
    """class1/class2: a school-days classroom check (yes/no, number 10-35, note, photos);
    gate: a daily patrol; general: a weekly, a monthly and a per-term check; two terms."""
    for school in (grid.school, grid.other_school):
        duty_library_seed(school)
    carry(grid.cells["class1"], "class-teacher")
    carry(grid.cells["class2"], "class-teacher")
    carry(grid.cells["gate"], "security-guard")
    carry(grid.cells["general"], "general-affairs")
    carry(grid.cells["south_class"], "class-teacher")
    Term.objects.create(
        school=grid.school,
        name="Autumn",
        start=datetime.date(2026, 9, 1),
        end=datetime.date(2027, 1, 20),
    )
    Term.objects.create(
        school=grid.school,
        name="Spring",
        start=datetime.date(2027, 2, 20),
        end=datetime.date(2027, 7, 10),
    )
    return {
        "classroom": template_for(
            grid.school,
            "class-teacher",
            Frequency.SCHOOL_DAYS,
            "Classroom check",
            [
                ("Windows and doors safe", ItemKind.YES_NO, {}),
                ("Room temperature", ItemKind.NUMBER, {"low": 10, "high": 35}),
                ("Remarks", ItemKind.NOTE, {"required": False}),
                ("Photos of the room", ItemKind.PHOTO, {"required": False}),
            ],
        ),
        "gate": template_for(grid.school, "security-guard", Frequency.DAILY, "Gate patrol"),
        "weekly": template_for(
            grid.school, "general-affairs", Frequency.WEEKLY, "Weekly walk", duty_index=0
        ),
        "fire": template_for(
            grid.school, "general-affairs", Frequency.MONTHLY, "Fire equipment", duty_index=1
        ),
        "term": template_for(
            grid.school, "general-affairs", Frequency.TERM, "Term inspection", duty_index=2
        ),
        "south": template_for(
            grid.other_school, "class-teacher", Frequency.SCHOOL_DAYS, "South classroom"
        ),
    }


def form_data(checks, window="ok", temperature="21", **extra):
    window_item, temp, remarks, _pictures = checks["classroom"].items.all()
    return {
        f"item_{window_item.pk}": window,
        f"item_{temp.pk}": temperature,
        f"item_{remarks.pk}": "",
        "note": "",
        **extra,
    }


@pytest.fixture(name="on_monday")
def on_monday_fixture(monkeypatch):
    """The pages ask for today's date: travel to Monday 9:00 in Shanghai."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: at(MONDAY, 9))
