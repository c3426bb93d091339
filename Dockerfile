# promoadmin: gunicorn behind your TLS-terminating proxy. Build: docker build -t promoadmin .
# Run: docker run -p 8000:8000 --env-file .env promoadmin  (secrets come from the environment, never the image)

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
COPY requirements.txt /tmp/requirements.txt
RUN /venv/bin/pip install -r /tmp/requirements.txt

FROM python:3.11-slim
# PROMOADMIN_IN_CONTAINER makes settings refuse DEBUG, a missing SECRET_KEY and a start without
# credentials (unless IMPACT_USE_SANDBOX=1). The default database is SQLite in /app/data, a volume
# owned by the app user: fine for one container; PostgreSQL (DATABASE_URL) for anything shared.
ENV PATH=/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PORT=8000 \
    PROMOADMIN_IN_CONTAINER=1 DATABASE_URL=sqlite:////app/data/db.sqlite3
RUN groupadd --gid 10001 promoadmin && useradd --create-home --uid 10001 --gid 10001 promoadmin
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=10001:10001 . /app
# collectstatic needs settings to load, not real secrets: a throwaway key used only for this step.
# WORKDIR made /app root-owned, and COPY --chown leaves an existing folder as it is: the data
# folder is created here, for the app user, so SQLite can write its database and journal.
RUN IMPACT_USE_SANDBOX=1 SECRET_KEY=collectstatic-only-$(python -c "import secrets; print(secrets.token_urlsafe(48))") \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/data && chown 10001:10001 /app/data
VOLUME ["/app/data"]
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/healthz', timeout=2)"]
CMD ["/app/bin/container-start"]
