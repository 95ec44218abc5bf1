"""Build the benchmark school: the demo grid and N hazards, with bulk inserts.

Reproducible: a fixed random seed. 10% of the open hazards are past their deadline.
"""

import datetime
import random

from django.core.management import call_command
from django.db import connection, models, transaction
from django.utils import timezone

from grids.models import Assignment, GridCell, School
from hazards.facts import recompute_facts
from hazards.models import (
    Action,
    Hazard,
    HazardCategory,
    HazardEvent,
    Severity,
    Status,
)

SEVERITIES = [Severity.GENERAL] * 8 + [Severity.SERIOUS] * 2


def generate(hazards: int, overdue_share: float = 0.1, seed: int = 20261130) -> School:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    school = School.objects.get(code="qingshi")
    if school.hazards.count() >= hazards:
        return school
    rng = random.Random(seed)
    cells = list(GridCell.objects.filter(school=school, depth__gte=1))
    people = {
        a.cell_id: a.person
        for a in Assignment.objects.current()
        .filter(cell__school=school, person__user__isnull=False)
        .select_related("person")
    }
    staffed = [c for c in cells if c.pk in people]
    categories = list(HazardCategory.objects.filter(school=school))
    users = [p.user_id for p in people.values()]
    now = timezone.now()
    day_counts: dict[str, int] = {}
    rows, events = [], []
    for n in range(hazards):
        overdue = rng.random() < overdue_share
        rectifying = rng.random() < 0.5
        cell = rng.choice(staffed if rectifying else cells)
        severity = rng.choice(SEVERITIES)
        # Open hazards from the last three years; the overdue ones have passed their deadline.
        reported = now - datetime.timedelta(minutes=rng.randint(60, 3 * 365 * 24 * 60))
        due = (
            now - datetime.timedelta(hours=rng.randint(1, 200))
            if overdue
            else now + datetime.timedelta(hours=rng.randint(1, 200))
        )
        day = timezone.localtime(reported).strftime("%Y%m%d")
        day_counts[day] = day_counts.get(day, 0) + 1
        rows.append(
            Hazard(
                school=school,
                number=f"YH-{day}-B{day_counts[day]:03d}",
                cell=cell,
                category=rng.choice(categories),
                severity=severity,
                description=f"Bench hazard {n}",
                reporter_id=rng.choice(users),
                status=Status.RECTIFYING if rectifying else Status.REPORTED,
                reported_at=reported,
                accept_due_at=due if not rectifying else reported,
                accepted_at=reported if rectifying else None,
                rectify_due_at=due if rectifying else None,
                assignee=people.get(cell.pk) if rectifying else None,
            )
        )
    with transaction.atomic():
        Hazard.objects.bulk_create(rows, batch_size=2000)
        for hazard in rows:
            events.append(
                HazardEvent(
                    hazard=hazard,
                    action=Action.REPORT,
                    at=hazard.reported_at,
                    actor_id=hazard.reporter_id,
                    to_status=Status.REPORTED,
                )
            )
            if hazard.status == Status.RECTIFYING:
                events.append(
                    HazardEvent(
                        hazard=hazard,
                        action=Action.ACCEPT,
                        at=hazard.reported_at,
                        from_status=Status.REPORTED,
                        to_status=Status.RECTIFYING,
                        data={"assignee": hazard.assignee.name},
                    )
                )
        HazardEvent.objects.bulk_create(events, batch_size=5000)
        recompute_facts(school.hazards.all())  # written without the workflow
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return school


def add_closed(school: School, closed: int, seed: int = 20261201) -> int:
    """Bring the school's closed hazards up to `closed`: the history a dashboard reads.

    Reported over the last three years, accepted within a day, closed within two weeks; a
    fifth of them late. Their report, accept, submit and verify events go in too.
    """
    have = school.hazards.filter(status=Status.CLOSED).count()
    if have >= closed:
        return have
    rng = random.Random(seed)
    cells = list(GridCell.objects.filter(school=school, depth__gte=1))
    people = {
        a.cell_id: a.person
        for a in Assignment.objects.current()
        .filter(cell__school=school, person__user__isnull=False)
        .select_related("person")
    }
    staffed = [c for c in cells if c.pk in people]
    categories = list(HazardCategory.objects.filter(school=school))
    users = [p.user_id for p in people.values()]
    now = timezone.now()
    rows = []
    for n in range(closed - have):
        cell = rng.choice(staffed)
        reported = now - datetime.timedelta(minutes=rng.randint(24 * 60, 3 * 365 * 24 * 60))
        accepted = reported + datetime.timedelta(minutes=rng.randint(10, 30 * 60))
        due = accepted + datetime.timedelta(days=7)
        submitted = accepted + datetime.timedelta(hours=rng.randint(2, 9 * 24))
        closed_at = min(submitted + datetime.timedelta(hours=rng.randint(1, 48)), now)
        day = timezone.localtime(reported).strftime("%Y%m%d")
        rows.append(
            Hazard(
                school=school,
                number=f"YH-{day}-C{n:06d}",
                cell=cell,
                category=rng.choice(categories),
                severity=rng.choice(SEVERITIES),
                description=f"Bench closed hazard {n}",
                reporter_id=rng.choice(users),
                status=Status.CLOSED,
                reported_at=reported,
                accept_due_at=reported + datetime.timedelta(hours=24),
                accepted_at=accepted,
                rectify_due_at=due,
                submitted_at=submitted,
                closed_at=closed_at,
                assignee=people[cell.pk],
                rectified_by_id=people[cell.pk].user_id,
            )
        )
    with transaction.atomic():
        Hazard.objects.bulk_create(rows, batch_size=2000)
        steps = [
            (Action.REPORT, "reported_at", "", Status.REPORTED),
            (Action.ACCEPT, "accepted_at", Status.REPORTED, Status.RECTIFYING),
            (Action.SUBMIT, "submitted_at", Status.RECTIFYING, Status.VERIFYING),
            (Action.VERIFY, "closed_at", Status.VERIFYING, Status.CLOSED),
        ]
        HazardEvent.objects.bulk_create(
            [
                HazardEvent(
                    hazard=hazard,
                    action=action,
                    at=getattr(hazard, at),
                    actor_id=hazard.reporter_id,
                    from_status=from_status,
                    to_status=to_status,
                )
                for hazard in rows
                for action, at, from_status, to_status in steps
            ],
            batch_size=5000,
        )
        recompute_facts(school.hazards.all())  # written without the workflow
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return closed


# Recurring checks at scale ------------------------------------------------------------------

# A bench school's level-4 cells carry these posts, in this proportion out of 19 per L3 cell.
L4_POSTS = ["class-teacher"] * 15 + ["special-room", "special-room", "pe-teacher", "security-guard"]
L3_POSTS = ["grade-office"] * 8 + ["general-affairs", "safety-office"]


def check_school(code: str, l2: int = 10, l3: int = 10, l4: int = 19) -> School:
    """A school of 1 + l2 + l2*l3 + l2*l3*l4 cells (2,011 by default) with the library's
    checks and a daily classroom check on every class, built with bulk inserts. The tree's
    mptt fields are computed here, as one depth-first walk."""
    from duties.checks.models import CheckItem, CheckTemplate, Frequency
    from duties.checks.seed import check_library_seed, demo_terms_seed
    from duties.models import CellPost, Duty, Post
    from duties.services import duty_library_seed
    from grids.models import access_changed
    from grids.services import roles_seed_defaults
    from hazards.services import school_setup

    existing = School.objects.filter(code=code).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        school = School.objects.create(code=code, name=f"Bench school {code}")
        roles_seed_defaults(school)
        school_setup(school)
        duty_library_seed(school)
        demo_terms_seed(school)
        check_library_seed(school)
        classroom = Duty.objects.get(school=school, post__code="class-teacher", sort_order=0)
        template = CheckTemplate.objects.create(
            duty=classroom, title="Classroom safety", frequency=Frequency.SCHOOL_DAYS
        )
        CheckItem.objects.bulk_create(
            CheckItem(template=template, label=label, sort_order=n)
            for n, label in enumerate(["Doors and windows", "Lights and sockets", "Floor"])
        )
        tree_id = (GridCell.objects.aggregate(m=models.Max("tree_id"))["m"] or 0) + 1
        counter = iter(range(1, 10**7))
        cells, links = [], []
        posts = {p.code: p for p in Post.objects.filter(school=school)}

        parent_of = {}  # id() of a cell -> its parent object, read once the parent has a pk

        def walk(code, parent, depth, shape):
            cell = GridCell(
                school=school,
                code=code,
                name=code,
                tree_id=tree_id,
                depth=depth,
                lft=next(counter),
            )
            cells.append(cell)
            parent_of[id(cell)] = parent
            for n in range(shape[0] if shape else 0):
                walk(f"{code}-{n + 1:02d}", cell, depth + 1, shape[1:])
            cell.rght = next(counter)
            if depth == 2:
                links.append((cell, L3_POSTS[int(code.rsplit("-", 1)[1]) % len(L3_POSTS)]))
            elif depth == 3:
                links.append((cell, L4_POSTS[int(code.rsplit("-", 1)[1]) % len(L4_POSTS)]))

        walk("1", None, 0, [l2, l3, l4])
        # Parents before children, so every parent has its id when a child is inserted.
        for depth in range(4):
            level = [c for c in cells if c.depth == depth]
            for cell in level:
                parent = parent_of[id(cell)]
                cell.parent_id = parent.pk if parent is not None else None
            GridCell.objects.bulk_create(level, batch_size=2000)
        CellPost.objects.bulk_create(
            [CellPost(cell=cell, post=posts[code]) for cell, code in links], batch_size=2000
        )
        access_changed()  # bulk inserts send no signals
    return school


def check_staff(school: School, username: str, cell: GridCell):
    """A login holding the managing role of `cell` (rights synced by the grid's service)."""
    from django.contrib.auth import get_user_model

    from grids.models import Person, Role
    from grids.services import assignment_start

    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        person = Person.objects.create(
            school=school, user=user, name=username, phone="13800000000", kind="staff"
        )
        assignment_start(
            cell=cell,
            person=person,
            role=Role.objects.get(school=school, code="manager"),
            valid_from=datetime.date(2026, 9, 1),
        )
    return user
