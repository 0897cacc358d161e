# One image for the API, the worker and the local mail sink (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# The CLI finds alembic.ini, migrations/ and emails/ beside the package: install in place.
COPY pyproject.toml README.md alembic.ini ./
COPY network ./network
COPY workers ./workers
COPY migrations ./migrations
COPY emails ./emails
COPY graphql ./graphql
RUN pip install --upgrade pip && pip install -e .

RUN useradd --create-home --uid 10001 app && mkdir -p /app/var/mail && chown -R app /app/var
USER app

EXPOSE 8000
# uvicorn as `network serve` sets it up (README "Logs"): JSON logs on stderr, our access log,
# h11 with a cap on headers; X-Forwarded-For is believed only from TRUSTED_PROXIES (unset:
# from nobody), never from uvicorn's default of 127.0.0.1.
CMD ["network", "serve", "--host", "0.0.0.0", "--port", "8000"]
