"""Settings for benchmarks: production settings, DEBUG off, a database of their own."""

import os
from pathlib import Path

import environ

from gridsafety.settings import *  # noqa: F403
from gridsafety.settings import BASE_DIR, STORAGES, database

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
ROOT_URLCONF = "bench.urls"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Deliveries are queued in memory: the scan pays for enqueueing, as it does in production.
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_ALWAYS_EAGER = False
DATABASES = {
    "default": database(
        environ.Env.db_url_config(
            os.environ.get(
                "BENCH_DATABASE_URL", f"sqlite:///{Path(BASE_DIR) / 'var' / 'bench.sqlite3'}"
            )
        )
    )
}
# Warnings and errors (a 500's traceback) to stderr: gunicorn's log under bench/load.py.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
