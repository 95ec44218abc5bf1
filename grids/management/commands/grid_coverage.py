from django.core.management.base import BaseCommand, CommandError

from grids.coverage import grid_problems
from grids.models import School


class Command(BaseCommand):
    help = (
        "Check every school's grid: rules broken and cells without a person. "
        "Exits non-zero when anything is found."
    )

    def add_arguments(self, parser):
        parser.add_argument("--school", help="Only this school (its code).")

    def handle(self, *args, school=None, **options):
        schools = School.objects.all()
        if school:
            schools = schools.filter(code=school)
            if not schools:
                raise CommandError(f"No school with code {school!r}.")
        found = 0
        for each in schools:
            problems = grid_problems(each)
            found += len(problems)
            status = self.style.ERROR(f"{len(problems)} problem(s)") if problems else "OK"
            self.stdout.write(f"{each.code} {each.name}: {status}")
            for problem in problems:
                self.stdout.write(f"  [{problem.code}] {problem.cell}: {problem.message}")
        if found:
            raise CommandError(f"{found} coverage problem(s) found.", returncode=1)
