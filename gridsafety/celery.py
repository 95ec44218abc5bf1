import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridsafety.settings")

app = Celery("gridsafety")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The schedule lives in code (one beat process), so every deployment runs the same clock.
app.conf.beat_schedule = {
    "grid-permission-sync": {
        # Assignments carry dates: grant and withdraw cell rights as they start and end.
        "task": "grids.tasks.sync_all_cell_permissions",
        "schedule": crontab(minute=5, hour="*"),
    },
}
