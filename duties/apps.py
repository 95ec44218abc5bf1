from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutiesConfig(AppConfig):
    name = "duties"
    verbose_name = _("Duties")

    def ready(self):
        from grids.coverage import register_check
        from grids.signals import bump_on_change

        from .models import CellPost, Post

        # Which cells carry which post (the class teacher's) decides the health pages' access.
        bump_on_change(CellPost, Post)

        from .roster import tasks  # noqa: F401 - registers the Celery task
        from .roster.selectors import roster_gaps

        register_check(roster_gaps)

        from reports.selectors import SCORECARD_SOURCES
        from reports.views import DASHBOARD_PANELS

        from . import dashboard
        from .checks import scorecard

        dashboard.register(DASHBOARD_PANELS)
        scorecard.register(SCORECARD_SOURCES)
