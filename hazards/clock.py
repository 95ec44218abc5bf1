"""The deadline clock: calendar time by default, or only working days when a school says so.

Working days are Monday to Friday in the school's time zone, less the school's
non-working days (holidays). Times are aware datetimes.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from grids.models import School

from .models import HazardSettings, NonWorkingDay

HOUR = datetime.timedelta(hours=1)


@dataclass
class Clock:
    skip_non_working_days: bool = False
    holidays: set[datetime.date] = field(default_factory=set)

    @classmethod
    def for_school(cls, school: School | int, settings: HazardSettings | None = None) -> "Clock":
        school_id = school.pk if isinstance(school, School) else school
        settings = settings or settings_for(school_id)
        if not settings.skip_non_working_days:
            return cls()
        holidays = set(
            NonWorkingDay.objects.filter(school_id=school_id).values_list("date", flat=True)
        )
        return cls(skip_non_working_days=True, holidays=holidays)

    def is_working_day(self, day: datetime.date) -> bool:
        if not self.skip_non_working_days:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add(self, start: datetime.datetime, hours: float) -> datetime.datetime:
        """The moment `hours` of clock time after `start`."""
        if not self.skip_non_working_days:
            return start + hours * HOUR
        remaining = datetime.timedelta(hours=hours)
        moment = timezone.localtime(start)
        for _ in range(3660):  # ten years of days: a guard, never reached in practice
            midnight = _next_midnight(moment)
            if self.is_working_day(moment.date()):
                available = midnight - moment
                if remaining <= available:
                    return moment + remaining
                remaining -= available
            moment = midnight
        raise ValueError("deadline beyond ten years")

    def before(self, end: datetime.datetime, hours: float) -> datetime.datetime:
        """The latest moment with `hours` of clock time between it and `end`: a start is at
        least that far behind `end` exactly when it is not after this moment."""
        if not self.skip_non_working_days:
            return end - hours * HOUR
        remaining = datetime.timedelta(hours=hours)
        moment = timezone.localtime(end)
        for _ in range(3660):  # ten years of days, as in `add`
            midnight = _midnight(moment)
            if midnight == moment:  # at a midnight the day before is the one to count
                midnight = _midnight(moment - HOUR)
            if self.is_working_day(midnight.date()):
                available = moment - midnight
                if remaining <= available:
                    return moment - remaining
                remaining -= available
            moment = midnight
        raise ValueError("deadline beyond ten years")

    def elapsed(self, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
        """Clock time between two moments (zero when `end` is not after `start`)."""
        if end <= start:
            return datetime.timedelta(0)
        if not self.skip_non_working_days:
            return end - start
        total = datetime.timedelta(0)
        moment = timezone.localtime(start)
        end = timezone.localtime(end)
        while moment < end:
            midnight = _next_midnight(moment)
            if self.is_working_day(moment.date()):
                total += min(midnight, end) - moment
            moment = midnight
        return total


def _midnight(moment: datetime.datetime) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(moment.date(), datetime.time()), moment.tzinfo
    )


def _next_midnight(moment: datetime.datetime) -> datetime.datetime:
    day = moment.date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()), moment.tzinfo)


def settings_for(school: School | int) -> HazardSettings:
    school_id = school.pk if isinstance(school, School) else school
    settings, _created = HazardSettings.objects.get_or_create(school_id=school_id)
    return settings
