# GridSafety production image: web (gunicorn), Celery worker and beat all run from it.
# See docs/DEPLOY.md. Build: docker compose build (or docker build -t gridsafety:local .).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONPATH=/app \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/var/media

# The runtime user. The code stays root-owned and read-only to it; only var/ is writable.
RUN groupadd --system --gid 10001 gridsafety \
 && useradd --system --uid 10001 --gid gridsafety --create-home --home-dir /home/gridsafety \
      --shell /usr/sbin/nologin gridsafety

WORKDIR /app

# Dependencies only, read from pyproject.toml, in their own layer so a code change does not
# reinstall them. The project itself is NOT pip-installed: settings.py takes BASE_DIR from
# its own file location, which must be /app (templates/, static/, locale/, var/ live there),
# not site-packages. /app is on PYTHONPATH and is the working directory for every process.
COPY pyproject.toml ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('/tmp/requirements.txt', 'w').write('\n'.join(deps) + '\n')" \
 && pip install --no-cache-dir -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY manage.py ./
COPY gridsafety ./gridsafety
COPY grids ./grids
COPY hazards ./hazards
COPY duties ./duties
COPY reports ./reports
COPY templates ./templates
COPY static ./static
COPY locale ./locale

# Hashed, compressed static files for WhiteNoise, baked into the image (outside var/, so a
# volume can never hide or outdate them). Importing settings opens no database connection.
RUN SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput \
 && rm -f /tmp/build.sqlite3

# var/ holds the beat schedule and, as a volume, media/ (uploaded photos). Created here so a
# new named volume mounted on /app/var/media starts out owned by the runtime user.
RUN mkdir -p /app/var/media && chown -R gridsafety:gridsafety /app/var

USER gridsafety

EXPOSE 8000

CMD ["sh", "-c", "exec gunicorn gridsafety.wsgi:application --chdir /app --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
