# promoadmin: gunicorn behind your TLS-terminating proxy. Build: docker build -t promoadmin .
# Run: docker run -p 8000:8000 --env-file .env promoadmin  (secrets come from the environment, never the image)

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
COPY requirements.txt /tmp/requirements.txt
RUN /venv/bin/pip install -r /tmp/requirements.txt

FROM python:3.11-slim
ENV PATH=/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PORT=8000
RUN useradd --create-home --uid 10001 promoadmin
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=promoadmin:promoadmin . /app
# collectstatic needs settings to load, not real secrets: a throwaway key used only for this step.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-$(python -c "import secrets; print(secrets.token_urlsafe(48))") \
    python manage.py collectstatic --noinput
USER promoadmin
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/healthz', timeout=2)"
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn promoadmin.wsgi -c gunicorn.conf.py"]
