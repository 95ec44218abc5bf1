"""The demo school's rosters: this week's and next week's duty-week teachers, weekend duty for
the same two weeks, and holiday duty over the coming New Year. Idempotent: only days without
any row are filled, so a planned or changed day is never touched."""

import datetime
import json
from pathlib import Path

from grids.models import GridCell, Person, School
from hazards.models import NonWorkingDay

from ..models import RosterSource
from .selectors import week_start
from .services import RosterItem, roster_apply

DEMO_FILE = Path(__file__).resolve().parents[1] / "data" / "demo_rosters.json"


def coming_new_year(today: datetime.date) -> list[datetime.date]:
    """The three days of the coming New Year holiday (yuandan)."""
    start = datetime.date(today.year + 1, 1, 1)
    if today <= datetime.date(today.year, 1, 3):
        start = datetime.date(today.year, 1, 1)
    return [start + datetime.timedelta(days=n) for n in range(3)]


def demo_rosters_seed(school: School, today: datetime.date) -> int:
    """Fill the demo rosters of `school` (those in the data file); returns the days written."""
    plan = json.loads(DEMO_FILE.read_text(encoding="utf-8")).get(school.code)
    if not plan:
        return 0
    codes = {plan["duty_week"]["cell"], plan["holiday"]["cell"]}
    cells = {c.code: c for c in GridCell.objects.filter(school=school, code__in=codes)}
    people = {p.code: p for p in Person.objects.filter(school=school)}
    duty_week, holiday = cells[plan["duty_week"]["cell"]], cells[plan["holiday"]["cell"]]
    new_year = coming_new_year(today)
    for day in new_year:
        NonWorkingDay.objects.get_or_create(school=school, date=day)

    items = []
    monday = week_start(today)
    for n, code in enumerate(plan["duty_week"]["people"]):
        week = monday + datetime.timedelta(weeks=n)
        for offset in range(5):
            day = week + datetime.timedelta(days=offset)
            if day not in new_year:
                items.append(RosterItem(duty_week, day, people[code]))
        for offset in (5, 6):
            weekend_people = plan["holiday"]["weekends"]
            day = week + datetime.timedelta(days=offset)
            items.append(RosterItem(holiday, day, people[weekend_people[n % len(weekend_people)]]))
    new_year_people = plan["holiday"]["new_year"]
    items += [
        RosterItem(holiday, day, people[new_year_people[n % len(new_year_people)]])
        for n, day in enumerate(new_year)
        if not any(item.cell == holiday and item.day == day for item in items)
    ]
    change = roster_apply(
        school=school, items=items, actor=None, source=RosterSource.SEED, fill_only=True
    )
    return change.days.count() if change else 0
