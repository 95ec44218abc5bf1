"""Settings come from the environment, with embedded defaults when nothing is set."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings as s; django.setup(); "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'name': str(s.DATABASES['default']['NAME']), 'broker': s.CELERY_BROKER_URL, "
    "'email': s.EMAIL_BACKEND, 'debug': s.DEBUG, 'lang': s.LANGUAGE_CODE, "
    "'tz': s.TIME_ZONE, 'ssl': s.SECURE_SSL_REDIRECT, 'hosts': s.ALLOWED_HOSTS}))"
)


def settings_with(**env) -> dict:
    base = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "gridsafety.settings",
        "SECRET_KEY": "x" * 50,
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_defaults_when_nothing_is_configured():
    s = settings_with()
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"].endswith("var/gridsafety.sqlite3")
    assert s["broker"] == "filesystem://"
    assert s["email"] == "django.core.mail.backends.console.EmailBackend"
    assert s["debug"] is False and s["ssl"] is True
    assert (s["lang"], s["tz"]) == ("zh-hans", "Asia/Shanghai")


def test_production_services_from_the_environment():
    s = settings_with(
        DATABASE_URL="postgres://u:p@db:5432/grid",
        CELERY_BROKER_URL="redis://redis:6379/0",
        EMAIL_URL="smtp+tls://mail:secret@smtp.example.org:587",
        ALLOWED_HOSTS="safety.example.org",
    )
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["name"] == "grid"
    assert s["broker"] == "redis://redis:6379/0"
    assert s["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert s["hosts"] == ["safety.example.org"]
