"""School days for the morning and noon check: the recurring checks' calendar (Monday to
Friday, less the school's non-working days, inside its terms when it has any), so the two
never disagree about whether there is school on a day."""

import datetime

from grids.models import School

from ..checks.periods import calendars_for


def _calendar(school: School | int, day: datetime.date):
    school_id = school.pk if isinstance(school, School) else school
    return calendars_for([school_id], day)[school_id]


def is_school_day(school: School | int, day: datetime.date) -> bool:
    return _calendar(school, day).is_school_day(day)


def school_days_before(school: School | int, day: datetime.date, count: int) -> list:
    """The `count` school days up to and including `day`, oldest first (fewer when the
    calendar's year around `day` holds fewer)."""
    school_calendar = _calendar(school, day)
    days = []
    current = day
    earliest = day - datetime.timedelta(days=366)
    while len(days) < count and current >= earliest:
        if school_calendar.is_school_day(current):
            days.append(current)
        current -= datetime.timedelta(days=1)
    return days[::-1]
