from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutiesConfig(AppConfig):
    name = "duties"
    verbose_name = _("Duties")

    def ready(self):
        from grids.coverage import register_check

        from .roster import tasks  # noqa: F401 - registers the Celery task
        from .roster.selectors import roster_gaps

        register_check(roster_gaps)
