# The Safeguarding Hub's production image. One image runs every app process: gunicorn by
# default, and `migrate`, the Celery worker and Celery beat through docker-compose.yml.
#
#   docker build -t safeguarding-hub .
#
# Secrets and per-site settings come from the environment at run time (see
# safeguarding/settings.py); nothing secret is baked in.

# --- stage 1: the stylesheet -------------------------------------------------------------
FROM node:20-bookworm-slim AS assets

WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY static/src ./static/src
# Writes static/build/app.css (see "build" in package.json).
RUN npm run build


# --- stage 2: the app --------------------------------------------------------------------
FROM python:3.11-slim-bookworm

# PYTHONPATH=/app: `pip install .` below also puts the packages in site-packages, but
# settings.BASE_DIR (templates, static) must be /app, so /app's copy must win everywhere:
# gunicorn, celery and manage.py alike. The build checks this before collectstatic.
# WEB_CONCURRENCY is gunicorn's worker count; override it per host.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=safeguarding.settings \
    STATICFILES_MANIFEST=1 \
    WEB_CONCURRENCY=3

# Pango, for WeasyPrint's PDF meeting packs (meetings.pack).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
       --shell /usr/sbin/nologin app

WORKDIR /app

# Runtime dependencies first (the exact pins in pyproject.toml, no [dev] extras), so a code
# change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; print(*deps, sep=chr(10))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The project itself, non-editable. Its dependencies are already installed above.
COPY manage.py ./
COPY safeguarding ./safeguarding
COPY audit ./audit
COPY people ./people
COPY cases ./cases
COPY sharing ./sharing
COPY notifications ./notifications
COPY missing ./missing
COPY triage ./triage
COPY reports ./reports
RUN pip install --no-deps . \
    && rm -rf build ./*.egg-info

# Templates and static sources, at the paths settings.STATICFILES_DIRS expects.
COPY templates ./templates
COPY static/app ./static/app
COPY --from=assets /build/static/build ./static/build
COPY --from=assets /build/node_modules/govuk-frontend/dist/govuk ./node_modules/govuk-frontend/dist/govuk
COPY --from=assets /build/node_modules/htmx.org/dist ./node_modules/htmx.org/dist

# Hashed, compressed static files into /app/staticfiles (STATIC_ROOT). The SECRET_KEY here
# exists only for this RUN line; it is not in the image's environment.
RUN SECRET_KEY=build-only python -c "import django; django.setup(); from django.conf import settings; base = str(settings.BASE_DIR); raise SystemExit(0 if base == '/app' else 'BASE_DIR is ' + base + ', not /app')" \
    && SECRET_KEY=build-only python manage.py collectstatic --noinput

# The one directory the app user writes: the published audit seal file, on a volume in
# docker-compose.yml (a new named volume takes this directory's owner).
RUN mkdir -p /var/lib/safeguarding/audit-seals \
    && chown app:app /var/lib/safeguarding/audit-seals \
    && chmod 0750 /var/lib/safeguarding/audit-seals

# Code and static files stay root-owned and read-only to the app user.
USER 10001:10001

EXPOSE 8000

# /healthz is exempt from the https redirect; ALLOWED_HOSTS must include 127.0.0.1 (the
# default does, and docker-compose.yml always adds it). Slim images have no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# Access log to stdout, errors to stderr, the access log without query strings or referrers
# (safeguarding/gunicorn_conf.py: a query can hold a child's name). That file also sets how
# workers are recycled (staggered, after about 1,000 requests each) and loads the app once
# in the master, warm, before forking them (bench/README.md, "Under load"). --worker-tmp-dir:
# heartbeat files in memory, not on the (possibly read-only) container filesystem. No
# control socket: nothing uses it.
CMD ["gunicorn", "safeguarding.wsgi:application", \
     "--config", "python:safeguarding.gunicorn_conf", \
     "--bind", "0.0.0.0:8000", \
     "--timeout", "30", \
     "--graceful-timeout", "30", \
     "--keep-alive", "5", \
     "--worker-tmp-dir", "/dev/shm", \
     "--no-control-socket", \
     "--access-logfile", "-", \
     "--error-logfile", "-"]
