import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridsafety.settings")

app = Celery("gridsafety")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The schedule lives in code (one beat process), so every deployment runs the same clock.
app.conf.beat_schedule = {
    "hazard-escalation-scan": {
        "task": "hazards.tasks.scan_escalations",
        # Deadlines are derived on every run, so the period only bounds how late a step is.
        "schedule": int(os.environ.get("ESCALATION_SCAN_SECONDS", "300")),
    },
    "outbox-sweep": {
        # Messages are rows first (hazards.outbox): this sends what is pending and due.
        "task": "hazards.tasks.sweep_outbox",
        "schedule": int(os.environ.get("OUTBOX_SWEEP_SECONDS", "60")),
    },
    "grid-permission-sync": {
        # Assignments carry dates: grant and withdraw cell rights as they start and end.
        "task": "grids.tasks.sync_all_cell_permissions",
        "schedule": crontab(minute=5, hour="*"),
    },
    "duty-roster-rights-sync": {
        # The roster names who is on duty each day: move the on-duty right just after midnight.
        "task": "duties.roster.tasks.sync_on_duty_rights",
        "schedule": crontab(minute=1, hour="*"),
    },
    "open-check-runs": {
        # Today's period of every recurring check, in Asia/Shanghai (CELERY_TIMEZONE); the
        # morning run catches up a night the beat was down. Idempotent.
        "task": "duties.tasks.open_check_runs",
        "schedule": crontab(minute=1, hour="0,6"),
    },
    "mark-missed-checks": {
        # Checks whose period ended yesterday or before become missed; one digest a manager.
        "task": "duties.tasks.mark_missed_checks",
        "schedule": crontab(minute=15, hour="0,6"),
    },
    "purge-old-exports": {
        # Built Excel files hold names and phones: keep them REPORTS_EXPORT_KEEP_DAYS only.
        "task": "reports.tasks.purge_old_exports",
        "schedule": crontab(minute=40, hour=3),
    },
}
