"""Settings come from the environment.

Nothing configured means the embedded defaults of a laptop demo: SQLite file, kombu's
filesystem broker, console e-mail. Production sets DEBUG off (the default) and gets the
secure defaults that `manage.py check --deploy` asks for.
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def _local_secret_key() -> str:
    """A random key kept under var/ for a laptop install that configured none."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        from django.core.management.utils import get_random_secret_key

        VAR_DIR.mkdir(exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(get_random_secret_key())
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY", default="") or _local_secret_key()
# The portal's address as users reach it, for links in e-mails and group-robot messages.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "gridsafety.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "mptt",
    "guardian",
    "django_htmx",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "grids",
    "hazards",
    "duties",
    "reports",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "audit.middleware.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "audit.middleware.DeniedAccessMiddleware",
]

ROOT_URLCONF = "gridsafety.urls"
WSGI_APPLICATION = "gridsafety.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "grids.context_processors.grid_person",
                "hazards.context_processors.inbox",
                "gridsafety.context_processors.navigation",
            ],
        },
    },
]


# A cache in each process: what is kept there across requests is keyed by a value read from
# the database (the access stamp, see grids.models.AccessStamp), so no process can serve a
# stale answer and no shared service is needed. Room for a county's active users.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
}


def database(config: dict) -> dict:
    """A database URL's settings with what every install of ours needs (bench/ uses it too)."""
    config["ATOMIC_REQUESTS"] = False
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # gunicorn's workers and Celery write at the same moment. A transaction that reads,
        # then writes, cannot wait for the write lock another one holds: SQLite answers
        # "database is locked" at once (seen under bench/load.py). So every transaction
        # takes the write lock when it begins, waiting up to 20 s for it, and WAL lets
        # the other requests read meanwhile.
        config.setdefault("OPTIONS", {}).update(
            timeout=20, transaction_mode="IMMEDIATE", init_command="PRAGMA journal_mode=WAL"
        )
    else:
        config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {
    "default": database(
        env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'gridsafety.sqlite3'}")
    ),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-guardian: no anonymous user row; permissions live on grid cells only.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# django-axes: lock a username from one address, never a whole shared school address.
AXES_VERBOSE = False
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# 15 to 30 minutes: long enough to stop guessing, short enough not to need the admin.
AXES_COOLOFF_MINUTES = min(max(env.int("AXES_COOLOFF_MINUTES", default=15), 15), 30)
AXES_COOLOFF_TIME = AXES_COOLOFF_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "audit.views.locked_out"
# Behind nginx the client's address is in X-Forwarded-For; trust exactly that many proxies.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
if PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# E-mail: console unless an SMTP URL is given (smtp+tls://user:pass@host:587).
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="gridsafety@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis when configured, else kombu's filesystem transport under var/.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
if CELERY_BROKER_URL:
    # A step's messages are queued after it commits, in the request: with the broker down,
    # fail that at once (the outbox sweep sends them later) instead of retrying for seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 0}
else:
    CELERY_BROKER_URL = "filesystem://"
    _queue_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# The outbox (hazards.outbox): a claimed message is another worker's again after the lease;
# a failed one waits the base, doubled per failure up to the cap, and is given up after the
# last attempt (24 attempts: about 19 hours of trying).
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=60)
OUTBOX_RETRY_MAX_SECONDS = env.int("OUTBOX_RETRY_MAX_SECONDS", default=3600)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=24)

# Production hardening: on unless DEBUG, each overridable for a plain-HTTP intranet.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sessions end after this long without a request (shared office computers);
# audit.middleware.IdleSessionMiddleware renews the expiry at most once a minute.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# The admin always needs a staff account; with OTP_ADMIN_REQUIRED (off for the laptop demo,
# on in the compose stack) also a code from a TOTP device (django-otp): `manage.py
# admin_totp USERNAME` gives an account one (gridsafety/admin_site.py).
OTP_ADMIN_REQUIRED = env.bool("OTP_ADMIN_REQUIRED", default=False)
OTP_TOTP_ISSUER = "GridSafety"

# Content Security Policy (django-csp): scripts only from our own origin or carrying the
# request's nonce, never eval. Styles only from our own files: no template carries a style
# attribute or a <style> element, and htmx's indicator styles are switched off in base.html.
# Bootstrap's CSS draws its small icons (select arrows, close buttons) as data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # it logs every successful login at INFO
    },
}

# The grid tree (grids app): a viewer who sees more cells than this gets the tree down to
# level 3, each level-3 branch loading its cells when opened; fewer, and the whole tree is sent.
GRIDS_TREE_EAGER_CELLS = env.int("GRIDS_TREE_EAGER_CELLS", default=200)

# Excel exports and imports (reports app).
# Exports with more rows than this are built by Celery and offered as a download when ready.
REPORTS_EXPORT_ASYNC_ROWS = env.int("REPORTS_EXPORT_ASYNC_ROWS", default=5000)
# Built export files (and their rows in "my exports") are deleted after this many days.
REPORTS_EXPORT_KEEP_DAYS = env.int("REPORTS_EXPORT_KEEP_DAYS", default=7)
# Uploads for the people and grid import, as sent (gridsafety.xlsx checks the rest).
REPORTS_IMPORT_MAX_BYTES = env.int("REPORTS_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
