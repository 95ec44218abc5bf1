"""The education bureau's page at county scale, on PostgreSQL.

    createdb -h 127.0.0.1 -U postgres bench_bureau
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_bureau \\
        .venv/bin/python -m bench.bureau                   # 100 schools, 1,000,000 hazards

Builds a county once (a database already holding it is reused; `--rebuild` starts over):
one bureau over 100 schools, each a small tree (a level-1 cell, two areas, two offices and
four classes), and in bulk with `INSERT ... SELECT generate_series`: hazards over three years
(nearly all closed, 2% declined, about 300 open per school among the last weeks' reports,
some overdue and escalated), in the order they were reported,
a daily recurring check per cell for three years (5% missed), and the morning and noon checks
of every class for three years (today's half done). Then times the bureau page as
bench/run.py does (test client, DEBUG off, 3 warm-ups, median and p90 of 30, the query count
of one more request), with the bare page of the same run as the floor.
"""

import argparse
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.measure import measure  # noqa: E402
from duties.checks.models import CheckRun, CheckTemplate, Frequency  # noqa: E402
from duties.health.models import HealthCheck  # noqa: E402
from duties.models import CellPost, Duty, Post  # noqa: E402
from duties.services import duty_library_seed  # noqa: E402
from grids import services  # noqa: E402
from grids.models import Bureau, BureauMember, GridCell, School  # noqa: E402
from hazards.models import Hazard, HazardCategory  # noqa: E402
from hazards.services import school_setup  # noqa: E402

BUREAU = "county"
OPEN_PER_SCHOOL = 300
YEARS_DAYS = 3 * 365
# (code, parent code, is a class)
CELLS = [
    ("root", None, False),
    ("teaching", "root", False),
    ("logistics", "root", False),
    ("grade1", "teaching", False),
    ("general", "logistics", False),
    ("class1", "grade1", True),
    ("class2", "grade1", True),
    ("class3", "grade1", True),
    ("class4", "grade1", True),
]


def build_schools(count: int, user) -> Bureau:
    """The bureau, its schools and their small trees, through the services (a minute)."""
    bureau = Bureau.objects.create(name="Bench County Education Bureau", code=BUREAU)
    BureauMember.objects.create(bureau=bureau, user=user, valid_from=timezone.localdate())
    for n in range(count):
        with transaction.atomic():
            school = School.objects.create(
                name=f"County school {n:03d}", code=f"county-{n:03d}", bureau=bureau
            )
            services.roles_seed_defaults(school)
            school_setup(school)
            duty_library_seed(school)
            class_post = Post.objects.get(school=school, code="class-teacher")
            cells = {}
            for code, parent, is_class in CELLS:
                cells[code] = services.cell_create(
                    school=school, parent=cells.get(parent), code=code, name=code.title()
                )
                if is_class:
                    CellPost.objects.create(cell=cells[code], post=class_post)
            duty = Duty.objects.filter(school=school, level__isnull=False).first()
            CheckTemplate.objects.create(duty=duty, title="Patrol", frequency=Frequency.DAILY)
    return bureau


def bulk_rows(hazards: int, schools: int, user_id: int) -> None:
    """Hazards, check runs and health checks, in a few INSERT ... SELECT statements."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_school AS SELECT row_number() OVER (ORDER BY id) - 1 AS no,"
            " id AS school_id FROM grids_school WHERE bureau_id IS NOT NULL"
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_cell AS SELECT s.no AS school_no, row_number() OVER"
            " (PARTITION BY c.school_id ORDER BY c.id) - 1 AS k, c.id AS cell_id"
            " FROM grids_gridcell c JOIN bench_school s ON s.school_id = c.school_id"
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_cat AS SELECT s.no AS school_no, row_number() OVER"
            " (PARTITION BY h.school_id ORDER BY h.id) - 1 AS k, h.id AS cat_id"
            " FROM hazards_hazardcategory h JOIN bench_school s ON s.school_id = h.school_id"
        )
        cursor.execute("CREATE INDEX ON bench_cell (school_no, k)")
        cursor.execute("CREATE INDEX ON bench_cat (school_no, k)")
        cells = len(CELLS)
        cats = HazardCategory.objects.filter(school__bureau__code=BUREAU).count() // schools
        # g: the hazard; its school g % schools; j = g / schools its number in the school,
        # reported j steps back from now, evenly over three years; of the last 2 x
        # OPEN_PER_SCHOOL, every other one is still open, the rest closed (2% declined) a few
        # days after the report (one in ten late). h: a cheap deterministic scatter. Rows go in
        # in the order they were reported, as a live table grows.
        cursor.execute(
            f"""
            INSERT INTO hazards_hazard (
                school_id, number, cell_id, spot, category_id, severity, description, status,
                is_anonymous, contact_phone, interim_measures, reported_at, accept_due_at,
                accepted_at, rectify_due_at, submitted_at, closed_at, escalation_level, version)
            SELECT s.school_id, 'B' || j, c.cell_id, '', k.cat_id,
                (ARRAY['general','general','general','serious','major'])[1 + h %% 5],
                'bench', v.status, false, '', '', v.rep, v.rep + interval '24 hours',
                v.acc, v.acc + interval '7 days', v.sub,
                CASE WHEN v.status = 'closed'
                     THEN LEAST(v.sub + interval '4 hours', now()) END,
                CASE WHEN v.status <> 'closed' AND h %% 7 = 0 THEN 1 ELSE 0 END, 1
            FROM (
                SELECT g, g / %(schools)s AS j, g %% %(schools)s AS sn,
                       (g * 7919) %% 1000003 AS h
                FROM generate_series(0::bigint, %(hazards)s - 1) AS g
            ) AS x
            JOIN bench_school s ON s.no = x.sn
            JOIN bench_cell c ON c.school_no = x.sn AND c.k = x.j %% {cells}
            JOIN bench_cat k ON k.school_no = x.sn AND k.k = x.h %% {cats}
            CROSS JOIN LATERAL (
                SELECT
                    CASE
                        WHEN x.j < 2 * {OPEN_PER_SCHOOL} AND x.h %% 2 = 0 THEN
                            (ARRAY['reported','rectifying','rectifying','rectifying',
                                   'verifying'])[1 + x.h / 2 %% 5]
                        WHEN x.h %% 50 = 1 THEN 'declined'
                        ELSE 'closed'
                    END AS status,
                    now() - x.j * interval '1 day' * {YEARS_DAYS}
                            / GREATEST(%(hazards)s / %(schools)s, 1)
                          - (x.h %% 3600) * interval '1 second' AS rep
            ) AS r
            CROSS JOIN LATERAL (
                SELECT r.status,
                    r.rep,
                    CASE WHEN r.status NOT IN ('reported', 'declined')
                         THEN LEAST(r.rep + (x.h %% 20) * interval '1 hour', now()) END AS acc,
                    CASE WHEN r.status IN ('verifying', 'closed')
                         THEN LEAST(r.rep + (x.h %% 20) * interval '1 hour'
                              + (CASE WHEN x.h %% 10 = 9 THEN 9 ELSE x.h %% 6 END)
                                * interval '1 day', now()) END AS sub
            ) AS v
            ORDER BY v.rep
            """,
            {"schools": schools, "hazards": hazards},
        )
        # A daily check in every cell, three years back to today; today's still to do.
        cursor.execute(
            f"""
            INSERT INTO duties_checkrun (template_id, cell_id, period_start, period_end,
                status, opened_at, missed_on, missed_at)
            SELECT t.id, c.id, d::date, d::date,
                CASE WHEN d::date = current_date THEN 'open'
                     WHEN (c.id + (d::date - date '2000-01-01')) %% 20 = 0 THEN 'missed'
                     ELSE 'done' END,
                d,
                CASE WHEN d::date < current_date
                      AND (c.id + (d::date - date '2000-01-01')) %% 20 = 0
                     THEN d::date + 1 END,
                CASE WHEN d::date < current_date
                      AND (c.id + (d::date - date '2000-01-01')) %% 20 = 0
                     THEN d + interval '1 day' END
            FROM grids_gridcell c
            JOIN duties_checktemplate t ON t.duty_id IN (
                SELECT id FROM duties_duty WHERE school_id = c.school_id)
            CROSS JOIN generate_series(current_date - {YEARS_DAYS}, current_date,
                                       interval '1 day') AS d
            WHERE c.school_id IN (SELECT school_id FROM bench_school)
            """,
            {},
        )
        # Morning and noon checks of every class, three years; today only the first half of
        # the classes have done theirs.
        cursor.execute(
            f"""
            INSERT INTO duties_healthcheck (cell_id, date, session, enrolled, present, absent,
                recorded_by_id, recorded_at)
            SELECT cp.cell_id, d::date, sess, 40, 39, 1, %(user)s, d
            FROM duties_cellpost cp
            JOIN duties_post p ON p.id = cp.post_id AND p.code = 'class-teacher'
            CROSS JOIN generate_series(current_date - {YEARS_DAYS}, current_date,
                                       interval '1 day') AS d
            CROSS JOIN (VALUES ('morning'), ('noon')) AS sessions (sess)
            WHERE d::date < current_date OR cp.cell_id %% 2 = 0
            """,
            {"user": user_id},
        )
        cursor.execute("ANALYZE")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--hazards", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true", help="drop the county and rebuild")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench.bureau needs PostgreSQL: set BENCH_DATABASE_URL")

    call_command("migrate", verbosity=0)
    if args.rebuild:
        call_command("flush", interactive=False, verbosity=0)
    start = time.perf_counter()
    user, _ = get_user_model().objects.get_or_create(username="bureau-bench")
    if not Bureau.objects.filter(code=BUREAU).exists():
        build_schools(args.schools, user)
        print(f"schools built in {time.perf_counter() - start:.1f} s")
        rows_start = time.perf_counter()
        bulk_rows(args.hazards, args.schools, user.pk)
        print(f"rows inserted in {time.perf_counter() - rows_start:.1f} s")
    bureau = Bureau.objects.get(code=BUREAU)
    print(
        f"data: {School.objects.filter(bureau=bureau).count()} schools, "
        f"{GridCell.objects.count():,} cells, {Hazard.objects.count():,} hazards "
        f"({Hazard.objects.open().count():,} open), {CheckRun.objects.count():,} check runs, "
        f"{HealthCheck.objects.count():,} health checks on {connection.vendor} "
        f"(ready in {time.perf_counter() - start:.1f} s)"
    )

    client = Client()
    client.force_login(user)
    pages = [
        ("bare page (floor)", reverse("bench-bare")),
        ("bureau page, 100 schools", reverse("reports:bureau")),
        ("bureau page, sorted by overdue", reverse("reports:bureau") + "?sort=-overdue"),
        ("bureau Excel export", reverse("reports:bureau_xlsx", args=[BUREAU])),
    ]
    rows = [(label, *measure(client, url, args.runs, warmup=3)) for label, url in pages]
    floor = rows[0][1]
    print(f"\nload average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n| page | median ms | p90 ms | queries | x bare |\n|---|---|---|---|---|")
    for label, median, p90, queries in rows:
        print(f"| {label} | {median:.1f} | {p90:.1f} | {queries} | {median / floor:.1f} |")


if __name__ == "__main__":
    main()
