"""Generator of a school after three years of use, and of a county of them.

    big_school("bench-big", hazards=100_000)      # 2,011 cells, 500 people, 100,000 hazards
    county(schools=100, hazards=1_000_000)        # 100 such schools, 10,000 hazards each

Reproducible (the random seed comes from the school's code) and idempotent (a school that
already has hazards is left alone). Rows go in with `bench.bulk.Writer`: COPY on
PostgreSQL, executemany in one transaction on SQLite.

What a school holds:
- the grid of `check_school`: 1 + 10 + 100 + 1,900 cells over four levels, posts and checks;
- 500 people with logins: a principal (level 1), 10 level-2 and 100 level-3 managers, and 389
  teachers who hold the 1,900 level-4 cells between them (about five each);
- N hazards reported over three years: nearly all closed (report, accept, submit, verify;
  one in ten sent back once and submitted again), 1.5% declined, and a few hundred open in
  each state at 100,000 (0.3% awaiting acceptance, 0.4% being rectified, 0.2% awaiting
  verification), 40% of the open ones past their deadline and escalated as far as the scan
  would have taken them; 8% of the closed ones were late and escalated once;
- a photo record for every report and every submission (rows only, no image files);
- the inbox rows each step leaves (read for closed hazards, unread for open ones);
- `check_days` school days of recurring checks: runs opened by the real service, 90% done
  with a record, the rest marked missed; today's runs open.

Hazard 0 of every school has the longest timeline (report, accept, escalate, submit, send
back, submit, verify, with photos): `full_timeline_hazard()` finds it for the hazard page.
"""

import datetime
import random
import zlib

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from bench.bulk import Writer
from bench.generate import check_school
from grids.models import Assignment, GridCell, Person, Role, School, access_changed
from grids.services import cell_permissions_sync, school_admin_grant
from hazards.clock import settings_for
from hazards.models import (
    Action,
    Escalation,
    Hazard,
    HazardCategory,
    HazardEvent,
    HazardPhoto,
    Notification,
    PhotoKind,
    Severity,
    Stage,
    Status,
)

FULL_TIMELINE = "Bench hazard 0 (full timeline)"
SEVERITIES = [Severity.GENERAL] * 8 + [Severity.SERIOUS] * 2
MAJOR_SHARE = 0.005
# Shares of the hazards that are still open, per state, and declined; the rest are closed.
OPEN_SHARES = {Status.REPORTED: 0.003, Status.RECTIFYING: 0.004, Status.VERIFYING: 0.002}
DECLINED_SHARE = 0.015
OVERDUE_SHARE = 0.4  # of the open hazards still on a clock (awaiting acceptance, rectifying)
LATE_CLOSED_SHARE = 0.08
SENT_BACK_SHARE = 0.1
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def derived_recompute(schools: list[School]) -> None:
    """THE PLACE for denormalised data: every generator ends here.

    The generators write source rows only (hazards, events, photos, inbox rows, escalations,
    check runs and records). A denormalised column or counter kept by the workflow in the
    same transaction must be rebuilt here from those rows, by calling its app's "recompute
    from source rows" function, e.g. `hazards.counters.recompute(school_ids=...)`.
    """
    from hazards.facts import recompute_facts

    recompute_facts(Hazard.objects.filter(school__in=schools))


def analyze() -> None:
    """Fresh statistics; on PostgreSQL also VACUUM: the recomputation rewrote every hazard row,
    and index-only scans need the visibility map that VACUUM sets. VACUUM cannot run in a
    transaction (a test's), where statistics have to do."""
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


def principal_of(school: School):
    return get_user_model().objects.get(username=f"{school.code}-principal")


def full_timeline_hazard(school: School) -> Hazard:
    return Hazard.objects.get(school=school, description=FULL_TIMELINE)


def big_school(
    code: str,
    hazards: int,
    people: int = 500,
    check_days: int = 20,
    now: datetime.datetime | None = None,
    writer: Writer | None = None,
) -> School:
    school = check_school(code)
    if school.hazards.exists():
        return school
    own_writer = writer is None
    writer = writer or Writer()
    now = now or timezone.now()
    rng = random.Random(zlib.crc32(code.encode()))
    with transaction.atomic():
        staff = _people(writer, school, people)
        _hazards(writer, school, staff, hazards, now, rng)
        _checks(writer, school, staff, check_days, now, rng)
    if own_writer:
        writer.finish()
        derived_recompute([school])
        analyze()
    return school


def county(
    schools: int = 100,
    hazards: int = 1_000_000,
    people: int = 500,
    check_days: int = 5,
    prefix: str = "bench-c",
) -> list[School]:
    """`schools` big schools sharing `hazards` between them."""
    writer = Writer()
    now = timezone.now()
    ready = set(
        School.objects.filter(
            Exists(Hazard.objects.filter(school=OuterRef("pk"))), code__startswith=prefix
        ).values_list("code", flat=True)
    )
    built = [
        big_school(
            f"{prefix}{n:03d}",
            hazards // schools,
            people=people,
            check_days=check_days,
            now=now,
            writer=writer,
        )
        for n in range(1, schools + 1)
    ]
    writer.finish()
    fresh = [school for school in built if school.code not in ready]
    if fresh:
        # A rerun that finds the county built only measures: at 1,000,000 hazards the
        # recomputation and VACUUM take minutes.
        derived_recompute(fresh)
        analyze()
    return built


# People ------------------------------------------------------------------------------------


class Staff:
    """Who is who in a generated school, by cell."""

    def __init__(self):
        self.manager_user: dict[int, int] = {}  # cell id -> user id of its manager
        self.manager_person: dict[int, tuple[int, str]] = {}  # cell id -> (person id, name)
        self.cells: list[tuple[int, int, int | None]] = []  # (id, depth, parent id)
        self.parent: dict[int, int | None] = {}
        self.depth: dict[int, int] = {}
        self.users: list[int] = []
        self.names: dict[int, str] = {}  # cell id -> cell name
        self.principal_user = 0


def _people(writer: Writer, school: School, count: int) -> Staff:
    User = get_user_model()
    staff = Staff()
    cells = list(
        GridCell.objects.filter(school=school)
        .order_by("lft")
        .values_list("pk", "depth", "parent_id", "name")
    )
    for pk, depth, parent, name in cells:
        staff.cells.append((pk, depth, parent))
        staff.parent[pk] = parent
        staff.depth[pk] = depth
        staff.names[pk] = name
    by_depth = {d: [c[0] for c in staff.cells if c[1] == d] for d in range(4)}
    managers = by_depth[0] + by_depth[1] + by_depth[2]
    leaves = by_depth[3]
    teachers = max(count - len(managers), 1)
    user_ids = writer.ids(User, len(managers) + teachers)
    person_ids = writer.ids(Person, len(user_ids))
    password = make_password("bench")
    joined = timezone.now() - 3 * 365 * DAY
    names = [f"{school.code}-principal"] + [
        f"{school.code}-p{n:03d}" for n in range(1, len(user_ids))
    ]
    writer.insert(
        User,
        (
            {
                "id": uid,
                "username": name,
                "password": password,
                "is_active": True,
                "date_joined": joined,
            }
            for uid, name in zip(user_ids, names, strict=True)
        ),
    )
    writer.insert(
        Person,
        (
            {
                "id": pid,
                "school_id": school.pk,
                "user_id": uid,
                "code": f"P{n:04d}",
                "name": f"Staff {n:04d}",
                "phone": f"138{n:08d}",
                "title": "Principal" if n == 0 else ("Manager" if n < len(managers) else "Teacher"),
                "kind": "staff",
            }
            for n, (pid, uid) in enumerate(zip(person_ids, user_ids, strict=True))
        ),
    )
    role = Role.objects.get(school=school, code="manager")
    holders = [(cell, n) for n, cell in enumerate(managers)] + [
        (cell, len(managers) + n % teachers) for n, cell in enumerate(leaves)
    ]
    start = datetime.date(2023, 9, 1)
    writer.insert(
        Assignment,
        (
            {
                "person_id": person_ids[n],
                "cell_id": cell,
                "role_id": role.pk,
                "valid_from": start,
            }
            for cell, n in holders
        ),
    )
    writer.finish()  # the grid's own services below insert into these tables
    access_changed()  # the assignments above went in without signals
    for cell, n in holders:
        staff.manager_user[cell] = user_ids[n]
        staff.manager_person[cell] = (person_ids[n], f"Staff {n:04d}")
    staff.users = list(user_ids)
    staff.principal_user = user_ids[0]
    cell_permissions_sync(school)
    school_admin_grant(user=User.objects.get(pk=user_ids[0]), school=school)
    return staff


# Hazards -----------------------------------------------------------------------------------


def _states(count: int, rng: random.Random) -> list[str]:
    states = []
    for status, share in OPEN_SHARES.items():
        states += [status] * max(1, round(count * share))
    states += [Status.DECLINED] * max(1, round(count * DECLINED_SHARE))
    states += [Status.CLOSED] * max(0, count - len(states) - 1)
    rng.shuffle(states)
    return [Status.CLOSED, *states]  # hazard 0: closed, with the full timeline


def _hazards(writer, school, staff: Staff, count, now, rng):
    settings = settings_for(school)
    categories = list(HazardCategory.objects.filter(school=school).values_list("pk", flat=True))
    cells = [c[0] for c in staff.cells if c[1] >= 1]
    leaves = [c[0] for c in staff.cells if c[1] == 3]
    reporters = staff.users[111:] or staff.users
    ids = writer.ids(Hazard, count)
    hazard_rows, events, photos, inbox, escalations = [], [], [], [], []
    event_ids = iter(writer.ids(HazardEvent, count * 9))
    day_counts: dict[str, int] = {}
    three_years = 3 * 365 * 24 * 60

    def event(hid, action, at, actor, from_status, to_status, data=None, recipients=(), read=True):
        eid = next(event_ids)
        events.append(
            {
                "id": eid,
                "hazard_id": hid,
                "action": action,
                "actor_id": actor,
                "at": at,
                "from_status": from_status,
                "to_status": to_status,
                "data": data or {},
            }
        )
        for user, reason in recipients:
            inbox.append(
                {
                    "recipient_id": user,
                    "hazard_id": hid,
                    "event_id": eid,
                    "reason": reason,
                    "created_at": at,
                    "read_at": at + HOUR if read else None,
                }
            )
        return eid

    def photo(hid, eid, kind, at):
        photos.append(
            {
                "hazard_id": hid,
                "event_id": eid,
                "kind": kind,
                "image": f"hazards/{school.pk}/bench-{hid}-{kind}.jpg",
                "width": 1280,
                "height": 960,
                "uploaded_at": at,
            }
        )

    def escalate(hid, stage, status, cell, due, severity, upto, read):
        """Escalation rows, events and inbox rows for levels 1..upto, as the scan makes them."""
        period = HOUR * settings.hours("escalate", severity)
        above = cell
        for level in range(1, upto + 1):
            above = staff.parent[above]
            at = due + period * (level - 1) + datetime.timedelta(minutes=5)
            escalations.append(
                {
                    "hazard_id": hid,
                    "stage": stage,
                    "level": level,
                    "cell_id": above,
                    "due_at": due,
                    "created_at": at,
                    "processed_at": at,
                }
            )
            data = {
                "stage": stage,
                "level": level,
                "cell_id": above,
                "cell": staff.names[above],
                "due_at": due.isoformat(),
            }
            manager = staff.manager_user.get(above)
            event(
                hid,
                Action.ESCALATE,
                at,
                None,
                status,
                status,
                data,
                [(manager, "escalated")] if manager else (),
                read,
            )

    for n, (hid, status) in enumerate(zip(ids, _states(count, rng), strict=True)):
        is_open = status in OPEN_SHARES
        cell = rng.choice(leaves) if rng.random() < 0.8 else rng.choice(cells)
        depth = staff.depth[cell]
        severity = Severity.MAJOR if rng.random() < MAJOR_SHARE else rng.choice(SEVERITIES)
        if n == 1:  # every school has a major hazard just reported: level 1 has it to accept
            status, severity, is_open = Status.REPORTED, Severity.MAJOR, True
        reporter = rng.choice(reporters)
        manager = staff.manager_user[cell]
        assignee_id, assignee_name = staff.manager_person[cell]
        assignee_user = manager
        if is_open:
            reported = now - datetime.timedelta(minutes=rng.randint(60, 30 * 24 * 60))
        else:
            reported = now - datetime.timedelta(minutes=rng.randint(3 * 24 * 60, three_years))
        overdue = is_open and status != Status.VERIFYING and rng.random() < OVERDUE_SHARE
        accept_hours = settings.hours("accept", severity)
        rectify_hours = settings.hours("rectify", severity)
        accept_due = reported + HOUR * accept_hours
        day = timezone.localtime(reported).strftime("%Y%m%d")
        day_counts[day] = day_counts.get(day, 0) + 1
        row = {
            "id": hid,
            "school_id": school.pk,
            "number": f"YH-{day}-{day_counts[day]:04d}",
            "cell_id": cell,
            "category_id": rng.choice(categories),
            "severity": severity,
            "description": FULL_TIMELINE if n == 0 else f"Bench hazard {n}",
            "status": status,
            "reporter_id": reporter,
            "reported_at": reported,
            "accept_due_at": accept_due,
        }
        read = not is_open
        eid = event(
            hid,
            Action.REPORT,
            reported,
            reporter,
            "",
            Status.REPORTED,
            None,
            # As hazards.workflow: the cell's manager; for a major one level 1 too.
            [(manager, "to_accept")]
            + (
                [(staff.principal_user, "major")]
                if severity == Severity.MAJOR and staff.principal_user != manager
                else []
            ),
            read,
        )
        photo(hid, eid, PhotoKind.BEFORE, reported)
        level = 0
        if status == Status.REPORTED:
            if overdue:  # reported longer ago than its acceptance deadline
                late = datetime.timedelta(minutes=rng.randint(10, 72 * 60))
                row["accept_due_at"] = now - late
                steps = 1 + int(late / (HOUR * settings.hours("escalate", severity)))
                level = min(steps, depth)
                escalate(
                    hid, Stage.ACCEPT, status, cell, row["accept_due_at"], severity, level, False
                )
            else:
                row["accept_due_at"] = now + HOUR * rng.randint(1, accept_hours)
            row["escalation_level"] = level
            hazard_rows.append(row)
            continue
        decided = reported + datetime.timedelta(minutes=rng.randint(10, accept_hours * 60))
        if status == Status.DECLINED:
            row["closed_at"] = decided
            event(
                hid,
                Action.DECLINE,
                decided,
                manager,
                Status.REPORTED,
                Status.DECLINED,
                None,
                [(reporter, "declined")],
                True,
            )
            hazard_rows.append(row)
            continue
        row.update(accepted_at=decided, assignee_id=assignee_id)
        due = decided + HOUR * rectify_hours
        event(
            hid,
            Action.ACCEPT,
            decided,
            manager,
            Status.REPORTED,
            Status.RECTIFYING,
            {"assignee": assignee_name},
            [(assignee_user, "to_rectify")],
            read,
        )
        if status == Status.RECTIFYING:
            if overdue:
                late = datetime.timedelta(minutes=rng.randint(10, 72 * 60))
                due = now - late
                steps = 1 + int(late / (HOUR * settings.hours("escalate", severity)))
                level = min(steps, depth)
                escalate(hid, Stage.RECTIFY, status, cell, due, severity, level, False)
            else:
                due = now + HOUR * rng.randint(1, rectify_hours)
            row.update(rectify_due_at=due, escalation_level=level)
            hazard_rows.append(row)
            continue
        row["rectify_due_at"] = due
        late = n == 0 or rng.random() < LATE_CLOSED_SHARE
        if late:
            escalate(
                hid, Stage.RECTIFY, Status.RECTIFYING, cell, due, severity, min(1, depth), True
            )
            row["escalation_level"] = min(1, depth)
            submitted = due + HOUR * rng.randint(2, 48)
        else:
            submitted = decided + HOUR * rng.randint(2, max(3, rectify_hours - 1))
        if is_open:  # awaiting verification: submitted in the last days
            submitted = max(decided + HOUR, now - HOUR * rng.randint(1, 72))
        eid = event(
            hid,
            Action.SUBMIT,
            submitted,
            assignee_user,
            Status.RECTIFYING,
            Status.VERIFYING,
            None,
            [(manager, "to_verify")],
            read,
        )
        photo(hid, eid, PhotoKind.AFTER, submitted)
        if not is_open and (n == 0 or rng.random() < SENT_BACK_SHARE):
            back = submitted + HOUR * rng.randint(1, 24)
            event(
                hid,
                Action.REJECT,
                back,
                manager,
                Status.VERIFYING,
                Status.RECTIFYING,
                None,
                [(assignee_user, "sent_back")],
                True,
            )
            submitted = back + HOUR * rng.randint(2, 48)
            eid = event(
                hid,
                Action.SUBMIT,
                submitted,
                assignee_user,
                Status.RECTIFYING,
                Status.VERIFYING,
                None,
                [(manager, "to_verify")],
                True,
            )
            photo(hid, eid, PhotoKind.AFTER, submitted)
        row.update(submitted_at=submitted, rectified_by_id=assignee_user)
        if status == Status.CLOSED:
            closed = min(submitted + HOUR * rng.randint(1, 48), now - HOUR)
            row["closed_at"] = closed
            event(
                hid,
                Action.VERIFY,
                closed,
                manager,
                Status.VERIFYING,
                Status.CLOSED,
                None,
                [(reporter, "closed")],
                True,
            )
        hazard_rows.append(row)

    versions: dict[int, int] = {}
    for e in events:
        versions[e["hazard_id"]] = versions.get(e["hazard_id"], 0) + 1
    for row in hazard_rows:
        row["version"] = versions[row["id"]]
    writer.insert(Hazard, hazard_rows)
    writer.insert(HazardEvent, events)
    writer.insert(HazardPhoto, photos)
    writer.insert(Escalation, escalations)
    writer.insert(Notification, (n for n in inbox if n["recipient_id"]))


# Recurring checks ---------------------------------------------------------------------------


def _checks(writer, school, staff: Staff, days: int, now, rng):
    """`days` past school days of checks (90% done, the rest missed) and today's, open."""
    from duties.checks.models import CheckRecord, CheckRun, RunStatus
    from duties.checks.services import check_runs_open

    today = timezone.localdate(now)
    past, day = [], today
    while len(past) < days:
        day -= DAY
        if day.weekday() < 5:
            past.append(day)
    for day in reversed(past):
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(0, 5)))
        check_runs_open(now=moment, school_ids=[school.pk])
    check_runs_open(now=now, school_ids=[school.pk])
    finished = list(
        CheckRun.objects.filter(
            cell__school=school, status=RunStatus.OPEN, period_end__lt=today
        ).values_list("pk", "cell_id", "period_end")
    )
    done, missed, records = [], [], []
    for pk, cell, end in finished:
        if rng.random() < 0.9:
            at = timezone.make_aware(
                datetime.datetime.combine(
                    end, datetime.time(rng.randint(7, 17), rng.randint(0, 59))
                )
            )
            user = staff.manager_user.get(cell, staff.principal_user)
            done.append((pk, at, user))
            records.append({"run_id": pk, "submitted_by_id": user, "submitted_at": at})
        else:
            missed.append((pk, end))
    writer.insert(CheckRecord, records)
    missed = [
        (
            pk,
            timezone.make_aware(datetime.datetime.combine(end + DAY, datetime.time(0, 15))),
            end + DAY,
        )
        for pk, end in missed
    ]
    _set_outcomes(RunStatus.DONE, ("done_at", "done_by"), done)
    _set_outcomes(RunStatus.MISSED, ("missed_at", "missed_on"), missed)


def _set_outcomes(status, fields: tuple[str, str], rows) -> None:
    """Give the check runs of `rows` ((id, value, value), ...) `status` and the two `fields`'
    values: on PostgreSQL one UPDATE ... FROM unnest (per-row statements were a third of a
    school's checks), on SQLite executemany in the generator's transaction."""
    from duties.checks.models import CheckRun

    table = connection.ops.quote_name(CheckRun._meta.db_table)
    first, second = (CheckRun._meta.get_field(name) for name in fields)
    a, b = first.column, second.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids, a_values, b_values = ([row[i] for row in rows] for i in range(3))
            cursor.execute(
                f"UPDATE {table} AS run SET status = %s, {a} = v.a, {b} = v.b FROM unnest("
                f"%s::bigint[], %s::{first.db_type(connection)}[], "
                f"%s::{second.db_type(connection)}[]) AS v(i, a, b) WHERE run.id = v.i",
                [status.value, ids, a_values, b_values],
            )
            return
        cursor.executemany(
            f"UPDATE {table} SET status = %s, {a} = %s, {b} = %s WHERE id = %s",
            [
                (
                    status.value,
                    first.get_db_prep_save(a_value, connection),
                    second.get_db_prep_save(b_value, connection),
                    pk,
                )
                for pk, a_value, b_value in rows
            ],
        )
