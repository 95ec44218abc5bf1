from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from grids.models import GridCell, School, access_changed
from grids.tree import tree_errors


class Command(BaseCommand):
    help = (
        "Verify the stored grid tree (mptt fields); with --rebuild, rebuild it from parent links."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="Rebuild the tree when it is inconsistent."
        )

    def handle(self, *args, rebuild=False, **options):
        errors = tree_errors()
        if not errors:
            self.stdout.write(self.style.SUCCESS("Grid tree is consistent."))
            return
        for error in errors:
            self.stdout.write(f"  {error}")
        if not rebuild:
            raise CommandError(
                f"{len(errors)} inconsistency(ies); run with --rebuild to repair.", returncode=1
            )
        with transaction.atomic():
            list(School.objects.select_for_update())  # the same lock every grid write takes
            GridCell.objects.rebuild()
            access_changed()  # the rebuilt tree may cover other cells than the broken one
        remaining = tree_errors()
        if remaining:
            raise CommandError(f"Rebuild left {len(remaining)} inconsistency(ies).", returncode=2)
        self.stdout.write(
            self.style.SUCCESS(f"Rebuilt; {len(errors)} inconsistency(ies) repaired.")
        )
