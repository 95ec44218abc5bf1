"""School days: Monday to Friday, less the school's non-working days (holidays)."""

import datetime

from grids.models import School
from hazards.models import NonWorkingDay


def is_school_day(school: School | int, day: datetime.date) -> bool:
    school_id = school.pk if isinstance(school, School) else school
    if day.weekday() >= 5:
        return False
    return not NonWorkingDay.objects.filter(school_id=school_id, date=day).exists()


def school_days_before(school: School | int, day: datetime.date, count: int) -> list:
    """The `count` school days up to and including `day`, oldest first."""
    school_id = school.pk if isinstance(school, School) else school
    window_start = day - datetime.timedelta(days=count * 3 + 14)
    holidays = set(
        NonWorkingDay.objects.filter(
            school_id=school_id, date__gte=window_start, date__lte=day
        ).values_list("date", flat=True)
    )
    days = []
    current = day
    while len(days) < count and current >= window_start:
        if current.weekday() < 5 and current not in holidays:
            days.append(current)
        current -= datetime.timedelta(days=1)
    return days[::-1]
