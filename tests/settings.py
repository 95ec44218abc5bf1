"""Settings for the test suite: production settings with plain HTTP and source static files.

Everything else (database, broker) still comes from the environment, so CI runs the same
suite on PostgreSQL and Redis by setting DATABASE_URL and CELERY_BROKER_URL.
"""

import os
import tempfile
from pathlib import Path

from gridsafety.settings import *  # noqa: F403
from gridsafety.settings import STORAGES

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Uploaded photos from tests go to a scratch folder, not the demo's var/media.
MEDIA_ROOT = Path(tempfile.gettempdir()) / "gridsafety-test-media"

# Tasks run in the test's own thread unless a test starts a real worker (live_worker).
CELERY_TASK_ALWAYS_EAGER = True
if CELERY_BROKER_URL == "filesystem://":  # noqa: F405
    # The laptop's broker for tests: a scratch folder, never the demo's var/broker.
    TEST_BROKER_DIR = Path(tempfile.gettempdir()) / "gridsafety-test-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(TEST_BROKER_DIR / "queue"),
        "data_folder_out": str(TEST_BROKER_DIR / "queue"),
        "control_folder": str(TEST_BROKER_DIR / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "control"):
        (TEST_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
SITE_URL = "http://testserver"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory: tests that run a worker thread beside the test write
    # from two connections, and only a file database waits for a lock instead of failing.
    _scratch = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    _name = f"gridsafety-test-{os.getpid()}.sqlite3"  # two runs at once never share it
    DATABASES["default"]["TEST"] = {"NAME": str(_scratch / _name)}  # noqa: F405
