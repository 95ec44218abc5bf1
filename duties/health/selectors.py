"""Reads of the health check: a teacher's day, and a leader's summary of many classes.

Each is a fixed number of queries, however many classes, checks or cases there are.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from grids.models import GridCell

from .models import (
    RESOLVED,
    Absence,
    ClassRoll,
    FollowUp,
    HealthCheck,
    IllnessCase,
    Reason,
    Session,
    Symptom,
)

# The same symptom in this many students of one class on one day, or of all the classes shown,
# is highlighted as a possible outbreak.
OUTBREAK_IN_A_CLASS = 3
OUTBREAK_IN_THE_SCHOOL = 5
WINDOW_DAYS = 7


def ill_on(day: datetime.date) -> Q:
    """Illness cases that kept the student away on `day` (a same-day return still counts)."""
    return Q(started_on=day) | (
        Q(started_on__lt=day) & (Q(returned_on=None) | Q(returned_on__gt=day))
    )


def _ids(cells) -> list[int]:
    """Plain ids for an `IN`: Django normalises model instances one by one, which costs
    milliseconds for a school's 1,500 classes in every query."""
    return [cell.pk for cell in cells]


def unresolved_unknowns(cells, since: datetime.date, until: datetime.date):
    """Absences for an unknown reason, in the current records, that no follow-up resolved."""
    resolved = FollowUp.objects.filter(
        cell=OuterRef("check_record__cell"),
        date=OuterRef("check_record__date"),
        student=OuterRef("student"),
        result__in=RESOLVED,
    )
    return (
        Absence.objects.filter(
            reason=Reason.UNKNOWN,
            check_record__in=HealthCheck.objects.current().filter(
                cell_id__in=_ids(cells), date__gte=since, date__lte=until
            ),
        )
        .filter(~Exists(resolved))
        .select_related("check_record__cell")
        .order_by("check_record__date", "check_record__cell__lft", "student")
    )


def distinct_by_day(absences) -> list[Absence]:
    """One row per class, day and student (morning and noon may both list them)."""
    seen, rows = set(), []
    for absence in absences:
        key = (absence.check_record.cell_id, absence.check_record.date, absence.student)
        if key not in seen:
            seen.add(key)
            rows.append(absence)
    return rows


@dataclass
class ClassDay:
    cell: GridCell
    enrolled: int | None
    checks: dict = field(default_factory=dict)  # session -> HealthCheck
    ill: Counter = field(default_factory=Counter)  # symptom -> students away ill
    open_cases: list = field(default_factory=list)  # filled by the teacher's page

    @property
    def sessions(self) -> list[tuple[str, str, HealthCheck | None]]:
        return [(s.value, s.label, self.checks.get(s.value)) for s in Session]

    @property
    def morning(self):
        return self.checks.get(Session.MORNING)

    @property
    def noon(self):
        return self.checks.get(Session.NOON)

    @property
    def done(self) -> int:
        return len(self.checks)

    @property
    def ill_by_symptom(self) -> list[tuple[str, int]]:
        return [(Symptom(s).label, n) for s, n in sorted(self.ill.items())]

    @property
    def outbreaks(self) -> list[str]:
        return [Symptom(s).label for s, n in self.ill.items() if n >= OUTBREAK_IN_A_CLASS]


def class_days(cells: list[GridCell], day: datetime.date) -> list[ClassDay]:
    """Each class's roll, current checks and students away ill on `day`. Three queries."""
    ids = _ids(cells)
    rolls = dict(ClassRoll.objects.filter(cell_id__in=ids).values_list("cell_id", "enrolled"))
    by_cell = {cell.pk: ClassDay(cell=cell, enrolled=rolls.get(cell.pk)) for cell in cells}
    for check in HealthCheck.objects.current().filter(cell_id__in=ids, date=day):
        by_cell[check.cell_id].checks[check.session] = check
    for case in IllnessCase.objects.filter(ill_on(day), cell_id__in=ids).only("cell_id", "symptom"):
        by_cell[case.cell_id].ill[case.symptom] += 1
    return list(by_cell.values())


@dataclass
class Summary:
    day: datetime.date
    classes: list[ClassDay]
    days: list[tuple[datetime.date, Counter]]  # the window's days, symptom -> students
    unresolved: list[Absence]

    @property
    def sessions_done(self) -> int:
        return sum(c.done for c in self.classes)

    @property
    def sessions_due(self) -> int:
        return 2 * len(self.classes)

    @property
    def morning_done(self) -> int:
        return sum(1 for c in self.classes if c.morning)

    @property
    def noon_done(self) -> int:
        return sum(1 for c in self.classes if c.noon)

    @property
    def absent_morning(self) -> int:
        return sum(c.morning.absent for c in self.classes if c.morning)

    @property
    def absent_noon(self) -> int:
        return sum(c.noon.absent for c in self.classes if c.noon)

    @property
    def ill_today(self) -> Counter:
        return self.days[-1][1]

    @property
    def ill_today_by_symptom(self) -> list[tuple[str, int]]:
        return [(Symptom(s).label, n) for s, n in sorted(self.ill_today.items())]

    @property
    def symptom_rows(self) -> list[dict]:
        """Per symptom: today's count and each day's, flagged past the school threshold."""
        rows = []
        for symptom in Symptom:
            counts = [counter[symptom] for _day, counter in self.days]
            rows.append(
                {
                    "symptom": symptom,
                    "today": counts[-1],
                    "week": counts,
                    "total": sum(counts),
                    "alert": any(n >= OUTBREAK_IN_THE_SCHOOL for n in counts),
                }
            )
        return rows

    @property
    def alerts(self) -> list[tuple[GridCell | None, str, int]]:
        """(class or None for all, symptom label, students) past a threshold today."""
        found = [
            (c.cell, Symptom(s).label, n)
            for c in self.classes
            for s, n in sorted(c.ill.items())
            if n >= OUTBREAK_IN_A_CLASS
        ]
        return found + school_alerts(self.ill_today)


def school_alerts(ill_today: Counter) -> list[tuple[None, str, int]]:
    """(None, symptom label, students) for each symptom past the school-wide threshold."""
    return [
        (None, Symptom(s).label, n)
        for s, n in sorted(ill_today.items())
        if n >= OUTBREAK_IN_THE_SCHOOL
    ]


def summary(cells: list[GridCell], day: datetime.date) -> Summary:
    """Today's completion per class, students away ill by symptom over the last days,
    and the unknown absences nobody followed up. Five queries."""
    since = day - datetime.timedelta(days=WINDOW_DAYS - 1)
    window = [since + datetime.timedelta(days=n) for n in range(WINDOW_DAYS)]
    counters = {d: Counter() for d in window}
    cases = (
        IllnessCase.objects.filter(cell_id__in=_ids(cells), started_on__lte=day)
        .filter(Q(returned_on=None) | Q(returned_on__gte=since))
        .only("started_on", "returned_on", "symptom")
    )
    for case in cases:
        for d in window:
            if d == case.started_on or (
                case.started_on < d and (case.returned_on is None or case.returned_on > d)
            ):
                counters[d][case.symptom] += 1
    return Summary(
        day=day,
        classes=class_days(cells, day),
        days=list(counters.items()),
        unresolved=distinct_by_day(unresolved_unknowns(cells, since, day)),
    )


def by_cell(rows) -> dict:
    grouped = defaultdict(list)
    for row in rows:
        grouped[row.cell_id].append(row)
    return grouped


@dataclass
class PanelAlert:
    """A class past the outbreak threshold: what the dashboard names it by."""

    name: str


@dataclass
class Panel:
    """The dashboard's four figures of the day and who is away ill: counted in SQL, with no
    row per class (a school has some 1,500). The same figures as `Summary` shows for these
    classes on `day`."""

    day: datetime.date
    total: int  # classes
    morning_done: int
    noon_done: int
    absent_morning: int
    absent_noon: int
    ill_today: Counter  # symptom -> students away ill today, in all the classes
    ill_by_class: list  # ((tree_id, lft), class name, symptom, students), in class order

    @property
    def ill_today_by_symptom(self) -> list[tuple[str, int]]:
        return [(Symptom(s).label, n) for s, n in sorted(self.ill_today.items())]

    @property
    def alerts(self) -> list[tuple[PanelAlert | None, str, int]]:
        """As `Summary.alerts`: (class or None for all, symptom label, students)."""
        found = [
            (PanelAlert(name), Symptom(s).label, n)
            for _order, name, s, n in self.ill_by_class
            if n >= OUTBREAK_IN_A_CLASS
        ]
        return found + school_alerts(self.ill_today)


def panel(class_ids: QuerySet, day: datetime.date) -> Panel | None:
    """Today's figures over the classes whose ids `class_ids` gives (a one-column queryset,
    used as a subquery), or None when there is none. Three grouped queries, whatever the
    number of classes."""
    ids = class_ids.order_by()
    total = ids.distinct().count()
    if not total:
        return None
    done, absent = Counter(), Counter()
    checks = (
        HealthCheck.objects.current()
        .filter(cell_id__in=ids, date=day)
        .values("session")
        .annotate(n=Count("pk"), absent=Sum("absent"))
        .order_by()
    )
    for row in checks:
        done[row["session"]], absent[row["session"]] = row["n"], row["absent"] or 0
    ill = (
        IllnessCase.objects.filter(ill_on(day), cell_id__in=ids)
        .values("cell__tree_id", "cell__lft", "cell__name", "symptom")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_class = sorted(
        ((r["cell__tree_id"], r["cell__lft"]), r["cell__name"], r["symptom"], r["n"]) for r in ill
    )
    ill_today = Counter()
    for _order, _name, symptom, n in by_class:
        ill_today[symptom] += n
    return Panel(
        day=day,
        total=total,
        morning_done=done[Session.MORNING],
        noon_done=done[Session.NOON],
        absent_morning=absent[Session.MORNING],
        absent_noon=absent[Session.NOON],
        ill_today=ill_today,
        ill_by_class=by_class,
    )
