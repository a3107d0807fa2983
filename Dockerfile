# syntax=docker/dockerfile:1
#
# Production image of the BPO operations portal: gunicorn for the web, the same image for the
# Celery worker and beat (see docker-compose.yml and docs/deploy.md).

# --- Stage 1: the project source without local artefacts -----------------------------------------
# The build context may hold a .env with secrets, a virtualenv, a SQLite database, caches and .git.
# They are dropped here, so only the project's own files reach the final image.
FROM python:3.11-slim-bookworm AS source
WORKDIR /src
COPY . .
RUN rm -rf .env .env.* .git .ci .venv venv db.sqlite3 db.sqlite3-* media staticfiles artifacts \
        .pytest_cache .ruff_cache .hypothesis .schemathesis .stamp-* \
    && find . -type d -name __pycache__ -prune -exec rm -rf {} + \
    && find . -type f -name "*.py[co]" -delete

# --- Stage 2: the runtime image ---------------------------------------------------------------
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=bpo_portal.settings \
    DJANGO_DEBUG=false

# Shared libraries WeasyPrint needs for PDF reports (Pango, HarfBuzz subsetting) and a base font.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY requirements.txt /app/requirements.txt
RUN pip install -r /app/requirements.txt

COPY --from=source /src /app

# Static files are collected at build time with the production storage (hashed names, compressed
# copies, staticfiles.json manifest), which DJANGO_DEBUG=false selects. The secret key is a
# build-only placeholder: it exists only for this command and is not kept in the image.
RUN DJANGO_DEBUG=false \
    DJANGO_SECRET_KEY=build-only-placeholder-for-collectstatic-never-used-at-runtime-0123456789 \
    python manage.py collectstatic --noinput

# An unprivileged user. MEDIA_ROOT (/app/media) and the beat schedule folder are created here
# owned by it, so named volumes mounted on them start out writable.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app \
    && mkdir -p /app/media /var/lib/beat \
    && chown app:app /app/media /var/lib/beat

USER 10001:10001

EXPOSE 8000

CMD ["gunicorn", "bpo_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
