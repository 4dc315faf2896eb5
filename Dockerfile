# The application image: web (gunicorn), Celery worker and beat all run it; see docker-compose.yml.
# Python 3.11, the version requirements.lock is compiled for.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. requirements.lock holds the runtime dependencies
# only: no test tools, no embedded PostgreSQL or Redis (those are in requirements-dev.lock, for the venv).
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .

# Static files are collected into the image (whitenoise serves them). Settings need these variables even for
# collectstatic; the values exist only for this command and are not kept in the image.
RUN DEBUG=0 SECRET_KEY=collectstatic-only DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 python manage.py collectstatic --noinput

# Uploaded document snapshots live in a volume mounted on var/media; the app runs as an unprivileged user.
RUN useradd --system --no-create-home --uid 10001 app \
    && mkdir -p var/media \
    && chown app var/media
USER app

EXPOSE 8000
# Threaded workers, their number, timeouts and logs: gunicorn.conf.py, driven by GUNICORN_* variables.
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
