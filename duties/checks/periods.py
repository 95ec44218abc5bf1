"""Which period a day falls in, per frequency, on a school's calendar.

- daily: the day itself.
- school days: the day, if it is a school day: Monday to Friday, not one of the school's
  non-working days (`hazards.NonWorkingDay`, the same holiday list the hazard clock uses),
  and inside a term when the school has defined terms (no school days in the holidays).
  The hazard clock's `skip_non_working_days` setting only decides whether deadlines stop;
  a school-days check never runs on a weekend or a holiday.
- weekly: Monday to Sunday; monthly: the calendar month; per term: the term containing the
  day (none between terms).
"""

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from hazards.models import NonWorkingDay

from .models import Frequency, Term

Period = tuple[datetime.date, datetime.date]


@dataclass
class SchoolCalendar:
    terms: list[Period] = field(default_factory=list)
    holidays: set[datetime.date] = field(default_factory=set)

    def term_of(self, day: datetime.date) -> Period | None:
        return next(((s, e) for s, e in self.terms if s <= day <= e), None)

    def is_school_day(self, day: datetime.date) -> bool:
        if day.weekday() >= 5 or day in self.holidays:
            return False
        return not self.terms or self.term_of(day) is not None


def period_of(frequency: str, day: datetime.date, school_calendar: SchoolCalendar) -> Period | None:
    """The period of `frequency` that `day` falls in, or None when there is none that day."""
    if frequency == Frequency.DAILY:
        return day, day
    if frequency == Frequency.SCHOOL_DAYS:
        return (day, day) if school_calendar.is_school_day(day) else None
    if frequency == Frequency.WEEKLY:
        monday = day - datetime.timedelta(days=day.weekday())
        return monday, monday + datetime.timedelta(days=6)
    if frequency == Frequency.MONTHLY:
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    if frequency == Frequency.TERM:
        return school_calendar.term_of(day)
    raise ValueError(f"unknown frequency {frequency!r}")


def calendars_for(school_ids, around: datetime.date) -> dict[int, SchoolCalendar]:
    """Each school's terms and holidays near `around` (a year either side): two queries."""
    window = (around - datetime.timedelta(days=400), around + datetime.timedelta(days=400))
    calendars = defaultdict(SchoolCalendar)
    for school_id, start, end in Term.objects.filter(
        school_id__in=school_ids, end__gte=window[0], start__lte=window[1]
    ).values_list("school_id", "start", "end"):
        calendars[school_id].terms.append((start, end))
    for school_id, date in NonWorkingDay.objects.filter(
        school_id__in=school_ids, date__range=window
    ).values_list("school_id", "date"):
        calendars[school_id].holidays.add(date)
    return calendars
