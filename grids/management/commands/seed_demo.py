import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from duties.checks.seed import demo_checks_seed
from duties.health.demo import demo_health_load
from duties.roster.demo import demo_rosters_seed
from duties.services import demo_posts_assign, duty_library_seed
from grids import services
from grids.models import Bureau, BureauMember, GridCell, Person, School, access_changed
from hazards.demo import load_demo_hazards
from hazards.services import school_setup

DEMO_FILE = Path(__file__).resolve().parents[2] / "data" / "demo_schools.json"


class Command(BaseCommand):
    help = "Load the demo schools (grid, people, logins). A school already present is left alone."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEMO_FILE), help="Demo data (JSON).")

    def handle(self, *args, file, **options):
        data = json.loads(Path(file).read_text(encoding="utf-8"))
        for school_data in data["schools"]:
            existing = School.objects.filter(code=school_data["code"]).first()
            if existing is not None:
                school_setup(existing)  # what later versions add to every school
                duty_library_seed(existing)
                demo_posts_assign(existing)
                demo_health_load(existing)
                self._mark_time_bound(existing, school_data["cells"])
                demo_rosters_seed(existing, timezone.localdate())
                demo_checks_seed(existing)
                self.stdout.write(f"{existing.code}: already loaded, left as it is")
                continue
            school = self._load_school(school_data, data["password"])
            duty_library_seed(school)
            demo_posts_assign(school)
            demo_health_load(school)
            demo_rosters_seed(school, timezone.localdate())
            demo_checks_seed(school)
            load_demo_hazards(school)
            self.stdout.write(
                self.style.SUCCESS(
                    f"{school.code}: {school.cells.count()} cells, {school.people.count()} people"
                )
            )
        if "bureau" in data:
            self._load_bureau(data["bureau"], data["password"])

    @transaction.atomic
    def _load_bureau(self, data, password) -> None:
        """The county bureau over the demo schools and its staff logins: added once; a school
        already in a bureau stays there, a login that exists is left as it is."""
        bureau, _created = Bureau.objects.get_or_create(
            code=data["code"], defaults={"name": data["name"]}
        )
        School.objects.filter(code__in=data["schools"], bureau=None).update(bureau=bureau)
        for entry in data["staff"]:
            user, created = get_user_model().objects.get_or_create(
                username=entry["login"], defaults={"first_name": entry["name"]}
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            BureauMember.objects.get_or_create(
                bureau=bureau,
                user=user,
                defaults={"title": entry["title"], "valid_from": timezone.localdate()},
            )
        self.stdout.write(f"{bureau.code}: {bureau.schools.count()} schools")

    @transaction.atomic
    def _load_school(self, data, password) -> School:
        school = School.objects.create(
            code=data["code"], name=data["name"], address=data["address"]
        )
        roles = {role.code: role for role in services.roles_seed_defaults(school)}
        school_setup(school)
        users = {}
        people = {}
        for entry in data["people"]:
            login = entry.get("login")
            user = None
            if login:
                user = get_user_model().objects.create_user(
                    username=login, password=password, first_name=entry["name"]
                )
                users[login] = user
            people[entry["code"]] = Person.objects.create(
                school=school,
                user=user,
                code=entry["code"],
                name=entry["name"],
                phone=entry["phone"],
                title=entry["title"],
                department=entry["department"],
                kind=entry["kind"],
            )
        # Assignments began with the school year, so the history has a sensible start.
        today = timezone.localdate()
        start = today.replace(month=9, day=1)
        if start > today:
            start = start.replace(year=today.year - 1)
        self._load_cell(school, None, data["cells"], roles, people, start)
        for login in data["admins"]:
            services.school_admin_grant(user=users[login], school=school)
            users[login].is_staff = True  # the admin site, scoped to this school
            users[login].save(update_fields=["is_staff"])
        return school

    def _load_cell(self, school, parent, data, roles, people, start):
        cell = services.cell_create(
            school=school,
            parent=parent,
            code=data["code"],
            name=data["name"],
            scope=data["scope"],
            carve=data["carve"],
            description=data.get("description", ""),
            spot=data.get("spot", ""),
            duties=data.get("duties", ""),
            roster_kind=data.get("roster_kind", ""),
        )
        for held in data["people"]:
            services.assignment_start(
                cell=cell, person=people[held["person"]], role=roles[held["role"]], valid_from=start
            )
        for child in data.get("children", []):
            self._load_cell(school, cell, child, roles, people, start)

    def _mark_time_bound(self, school, data):
        """Mark the time-bound cells of a school loaded before cells had a roster kind."""
        if data.get("roster_kind"):
            marked = GridCell.objects.filter(
                school=school, code=data["code"], roster_kind=""
            ).update(roster_kind=data["roster_kind"])
            if marked:
                access_changed()  # update() sends no signals: a roster cell makes a planner
        for child in data.get("children", []):
            self._mark_time_bound(school, child)
