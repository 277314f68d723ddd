"""Settings for the Safeguarding Hub.

Every setting that differs between machines is read from the environment here, near the
top, in one place. The defaults are safe for production; `make run` (through
`safeguarding.devservices`) sets DEBUG and points the app at embedded servers.
"""

import hashlib
import hmac
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from safeguarding.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# --- read from the environment -----------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
# Server-Timing on every answer (safeguarding.middleware.ServerTimingMiddleware); without it,
# only a platform superuser's. Never on in production: timing hints at what exists.
SERVER_TIMING = env_bool("SERVER_TIMING", DEBUG)
SECRET_KEY = env_str("SECRET_KEY", "")
DATABASE_URL = env_str("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/safeguarding")
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Behind a TLS-terminating proxy, set this so Django knows the request was https.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
# How many proxies of ours stand in front and append to X-Forwarded-For (0: none, and
# REMOTE_ADDR is the client). Decides the address lockout, throttling and audit use.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
# However active, a session ends after this long (a shift), and the person signs in again.
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 10)
# Lockout: failures per account (django-axes), and per address (shared offices sit behind
# one address, so that limit is higher), each lifting after its cool-off.
SIGN_IN_FAILURE_LIMIT = env_int("SIGN_IN_FAILURE_LIMIT", 5)
SIGN_IN_COOLOFF_MINUTES = env_int("SIGN_IN_COOLOFF_MINUTES", 15)
SIGN_IN_ADDRESS_FAILURE_LIMIT = env_int("SIGN_IN_ADDRESS_FAILURE_LIMIT", 50)
SIGN_IN_ADDRESS_WINDOW_MINUTES = env_int("SIGN_IN_ADDRESS_WINDOW_MINUTES", 15)
API_RATE_PER_MINUTE = env_int("API_RATE_PER_MINUTE", 300)
SEARCH_RATE_PER_MINUTE = env_int("SEARCH_RATE_PER_MINUTE", 60)
# Break-glass access to a case not shared with the person's agency lasts this long.
EMERGENCY_ACCESS_HOURS = env_int("EMERGENCY_ACCESS_HOURS", 4)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "safeguarding-hub@localhost")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# The address people reach the service at, for links in notification emails and webhooks.
# Unset, it is where `make run` serves the app: 127.0.0.1 on PORT (8000 unless set).
PORT = env_int("PORT", 8000)
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{PORT}")
# Notifications (notifications.services): when an unacknowledged one is escalated to the
# agency's MASH managers, by kind; when a return home interview is due after a return.
NOTIFY_MISSING_ACK_MINUTES = env_int("NOTIFY_MISSING_ACK_MINUTES", 15)
NOTIFY_PLACEMENT_ACK_WORKING_DAYS = env_int("NOTIFY_PLACEMENT_ACK_WORKING_DAYS", 1)
NOTIFY_INTERVIEW_ACK_HOURS = env_int("NOTIFY_INTERVIEW_ACK_HOURS", 4)
RETURN_INTERVIEW_HOURS = env_int("RETURN_INTERVIEW_HOURS", 72)
# A repeat-missing alert (missing.services) asks the lead agency to convene a strategy
# discussion within this many of its working days; unacknowledged by then, it escalates.
REPEAT_MISSING_STRATEGY_WORKING_DAYS = env_int("REPEAT_MISSING_STRATEGY_WORKING_DAYS", 2)
# A CSE screening is reviewed within this many months (the case page's "At a glance" says
# by when, and that the review is overdue after it): the partnership's own policy sets it.
SCREENING_REVIEW_MONTHS = env_int("SCREENING_REVIEW_MONTHS", 3)
# An exploitation risk assessment (issue 21) names its own review date: the form suggests
# SCREENING_REVIEW_MONTHS ahead, and refuses one further away than this many days.
ASSESSMENT_REVIEW_MAX_DAYS = env_int("ASSESSMENT_REVIEW_MAX_DAYS", 183)
# The missing-from-care profile (missing.profiles): reviewed at least this often (and after
# every return); released by a missing report to the police looking for the child until
# this long after the return (the window of their safe and well check and of the return
# home interview), then lapsed by itself; its photo and third parties' details erased this
# many days after the case closes (SECURITY.md, "Missing-from-care profiles").
PROFILE_REVIEW_MONTHS = env_int("PROFILE_REVIEW_MONTHS", 3)
PROFILE_RELEASE_GRACE_HOURS = env_int("PROFILE_RELEASE_GRACE_HOURS", 72)
PROFILE_RETENTION_DAYS = env_int("PROFILE_RETENTION_DAYS", 365)
# When a looked-after child leaves an area (a move, or the placement ends), the share the
# placement notice gave each agency there lapses this many days later unless it renews it
# with a reason (sharing.services: a beat task revokes what is due).
PLACEMENT_SHARE_LAPSE_DAYS = env_int("PLACEMENT_SHARE_LAPSE_DAYS", 28)
# Reports that count children (reports.interviews): in rows about another authority, a count
# from 1 to this less one is shown as "fewer than" this, so a small number names no child.
REPORT_SUPPRESS_UNDER = env_int("REPORT_SUPPRESS_UNDER", 5)
# Links across cases (issue 20, links.matching and links.services). A link is compared with
# other cases' links by the worker after commit; one not compared this long after it was
# recorded (its task lost while Redis was down) is compared by the beat sweep.
LINKS_MATCH_SWEEP_AFTER_SECONDS = env_int("LINKS_MATCH_SWEEP_AFTER_SECONDS", 60)
# Matching must not become a search engine: a person may link this many things an hour;
# more in a day than the second figure is listed for IG officers as unusual.
LINKS_PER_HOUR = env_int("LINKS_PER_HOUR", 30)
LINKS_UNUSUAL_PER_DAY = env_int("LINKS_UNUSUAL_PER_DAY", 15)
# The area view for exploitation meetings (MACE): links recorded in this many days. Counts
# of children the viewer may not see are suppressed below REPORT_SUPPRESS_UNDER.
LINKS_AREA_DAYS = env_int("LINKS_AREA_DAYS", 365)
# A profile photo as uploaded: larger files are refused before they are read.
PROFILE_PHOTO_MAX_BYTES = env_int("PROFILE_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
# MASH triage (triage.services): when a contact's decision is due after receipt, by RAG rating
# (red and amber in elapsed hours, green in working days), and when a partner check is
# due after it is asked. An unrated contact is due as if red: it must be rated first.
MASH_DECISION_RED_HOURS = env_int("MASH_DECISION_RED_HOURS", 4)
MASH_DECISION_AMBER_HOURS = env_int("MASH_DECISION_AMBER_HOURS", 24)
MASH_DECISION_GREEN_WORKING_DAYS = env_int("MASH_DECISION_GREEN_WORKING_DAYS", 3)
MASH_CHECK_RED_HOURS = env_int("MASH_CHECK_RED_HOURS", 2)
MASH_CHECK_AMBER_HOURS = env_int("MASH_CHECK_AMBER_HOURS", 12)
MASH_CHECK_GREEN_WORKING_DAYS = env_int("MASH_CHECK_GREEN_WORKING_DAYS", 2)
# Delivery by email and webhook: attempts per channel, the first retry's wait (doubling
# each time, at most an hour), how often the sweep re-queues anything not yet sent, and
# how often escalations are looked for.
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 10)
NOTIFY_RETRY_SECONDS = env_int("NOTIFY_RETRY_SECONDS", 10)
NOTIFY_SWEEP_SECONDS = env_int("NOTIFY_SWEEP_SECONDS", 30)
NOTIFY_ESCALATE_SECONDS = env_int("NOTIFY_ESCALATE_SECONDS", 60)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5)
# Networks a webhook may be sent to although they are not on the internet (CIDR, comma
# separated): empty in production; a developer's or a test's receiver on the loopback.
# Cloud metadata addresses are refused whatever this says (notifications.webhook_address).
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS", [])
# Celery: the queue tasks are sent to and a worker reads (the tests give each test worker
# a queue of its own), and how long Redis holds a task a worker took but never finished
# (killed) before handing it to another: longer than any task or retry countdown.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_VISIBILITY_TIMEOUT_SECONDS = env_int("CELERY_VISIBILITY_TIMEOUT_SECONDS", 2 * 3600)
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# Hashed static file names need `collectstatic` first; the container image does both.
STATICFILES_MANIFEST = env_bool("STATICFILES_MANIFEST", False)
# Where collectstatic writes and WhiteNoise serves from (the image's /app/staticfiles); the
# load benchmark collects into a directory of its own.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# The key of the audit log's hash chain (audit/sealing.py). Set it in production and keep
# it out of the database, so that not even a database superuser can forge seals. Unset, it
# is derived from SECRET_KEY (below), and rotating SECRET_KEY then breaks verification.
AUDIT_SEAL_KEY = env_str("AUDIT_SEAL_KEY", "")
# How often beat seals new audit events, and how long the sealer may wait for the brief
# lock that tells it which events are final (it skips the round rather than wait longer).
AUDIT_SEAL_INTERVAL_SECONDS = env_int("AUDIT_SEAL_INTERVAL_SECONDS", 10)
AUDIT_SEAL_LOCK_TIMEOUT_MS = env_int("AUDIT_SEAL_LOCK_TIMEOUT_MS", 50)
# Where each seal's number and hash are appended as it is made, outside the database
# (audit/published.py): on storage the database's administrators cannot rewrite. The
# sealing worker writes it; verify_audit and the daily digest read it.
AUDIT_SEAL_PUBLISH_PATH = env_str(
    "AUDIT_SEAL_PUBLISH_PATH", str(BASE_DIR / "var" / "audit-seals.log")
)
# How long a seal may be in the chain before verify expects it in that file: a few rounds,
# plus the longest a round can run before it commits (its task's hard time limit, 300 s).
AUDIT_SEAL_PUBLISH_GRACE_SECONDS = env_int(
    "AUDIT_SEAL_PUBLISH_GRACE_SECONDS", 3 * AUDIT_SEAL_INTERVAL_SECONDS + 300
)
# From this hour (UK time) each day, information-governance officers are emailed the
# chain's head and whether the published file is intact (reports/seal_digest.py).
AUDIT_SEAL_DIGEST_HOUR = env_int("AUDIT_SEAL_DIGEST_HOUR", 7)
# ------------------------------------------------------------------------------------------

if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. `make run` and `make test` set one for you; "
        "in production generate one and pass it in the environment."
    )
if not AUDIT_SEAL_KEY:
    AUDIT_SEAL_KEY = hmac.new(
        SECRET_KEY.encode(), b"safeguarding.audit-seal", hashlib.sha256
    ).hexdigest()

# Our apps by concept, bottom layer first (README, Architecture; the layer contract is
# [tool.importlinter] in pyproject.toml).
PROJECT_APPS = [
    "audit",
    "idempotency",
    "people",
    "cases",
    "sharing",
    "notifications",
    "missing",
    "links",
    "triage",
    "meetings",
    "reports",
]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "safeguarding",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    *PROJECT_APPS,
]

MIDDLEWARE = [
    "audit.middleware.RequestIdMiddleware",
    # Every error under /api/ as RFC 9457 problem JSON, in every mode: outside the rest, so
    # that a 404 or 500 made by any of them (or Django's debug pages) is shaped too.
    "safeguarding.middleware.ProblemMiddleware",
    # Server-Timing (database and total time): in development, and for platform superusers.
    "safeguarding.middleware.ServerTimingMiddleware",
    # RateLimit headers on API answers that counted against the per-person limit.
    "safeguarding.middleware.RateLimitHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside the rest, so a 500 page made by a failing middleware has them too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "safeguarding.middleware.SecurityHeadersMiddleware",
    # Before anything that reads a header, the query or the body into the database: text
    # PostgreSQL refuses (a NUL) or JSON nested too deep is a 400 (SECURITY.md, Hostile
    # bytes), with the security headers above on it like any other answer.
    "safeguarding.middleware.HostileBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that redirects to sign in: `next` keeps only the path.
    "safeguarding.middleware.NextPathOnlyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Inside it: marks a signed-in session for saving once a minute (the idle timeout).
    "people.middleware.SessionTouchMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "people.middleware.SessionLifetimeMiddleware",
    "people.middleware.SecondFactorRequiredMiddleware",
    # Around the view: a form's one-time token is claimed in the view's transaction.
    "idempotency.middleware.OnceMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safeguarding.urls"
WSGI_APPLICATION = "safeguarding.wsgi.application"

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
                "notifications.context_processors.inbox",
            ],
        },
    },
]

# Connections are kept for a minute, and checked before a request reuses one: after a
# database restart the first request gets a new connection, not a 500.
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Statements compiled with `generic=True` (safeguarding.compiled) are prepared once per
# connection and planned once; this applies to prepared statements only, and nothing else
# in the service prepares any, so every other query is still planned for its own values.
# Added to any options DATABASE_URL gives (`?options=...`), not in their place. A pooler in
# transaction mode would break prepared statements: the service connects directly.
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options["options"] = f"{_db_options.get('options', '')} -c plan_cache_mode=force_generic_plan"
_db_options["options"] = _db_options["options"].strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.Person"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out account is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Argon2 first: new and re-hashed passwords use it; the others only read old hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "sign-in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "sign-in"

# Sessions live in the database so any number of web processes can serve a person; our
# store records whose each session is, so a person can see theirs and end the others.
# Renewing a session's expiry as it is used turns SESSION_COOKIE_AGE into an idle timeout.
SESSION_ENGINE = "people.sessions"
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# Not saved on every request: people.middleware.SessionTouchMiddleware renews the expiry at
# most once a minute (an UPDATE per page otherwise), so the idle timeout holds to a minute.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True
# The secure cookie names only work over https; keep plain names when cookies are not secure.
if SECURE_COOKIES:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

SECURE_HSTS_SECONDS = 0 if DEBUG else 63072000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [
    BASE_DIR / "static" / "app",
    BASE_DIR / "static" / "build",
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATICFILES_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Without collectstatic (tests, development) WhiteNoise serves from the finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "people.authentication.TokenAuthentication",
        "people.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_THROTTLE_CLASSES": ["safeguarding.throttling.PersonRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "safeguarding.problems.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Safeguarding Hub API",
    "DESCRIPTION": "The same records, permissions and audit as the pages. Authenticate with "
    "a personal token: `Authorization: Bearer sgh_…`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Two fields are called `kind`: each enum has a name of its own, so that neither is
    # renamed by a hash and generated clients keep stable types.
    "ENUM_NAME_OVERRIDES": {
        "AgencyKindEnum": "people.models.Agency.Kind",
        "NotificationKindEnum": "notifications.models.Notification.Kind",
        "RiskLevelEnum": "cases.models.RiskLevel",
        "AssessedLevelEnum": [("low", "Low"), ("medium", "Medium"), ("high", "High")],
        "ShareLevelEnum": "cases.access.Level",
        "ThingKindEnum": "links.models.Thing.Kind",
        "MeetingKindEnum": "meetings.models.Meeting.Kind",
        "ActionStatusEnum": "meetings.models.Action.Status",
        "AttendanceStatusEnum": "meetings.models.Attendance.Status",
        "ClosedActionStatusEnum": [("done", "Done"), ("dropped", "Dropped")],
        "CaseStatusEnum": "cases.models.Case.Status",
    },
    # The default enum hook, then ours: an empty default is allowed by the field's pattern.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "safeguarding.schema.empty_defaults_match_their_pattern",
        "safeguarding.schema.errors_are_problems",
    ],
    # Swagger UI from our own static files (no CDN), started by a separate script file.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# The cache (rate-limit counters) is Redis, shared by every
# web process, so a limit holds however many processes serve requests.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "safeguarding",
        "TIMEOUT": 300,
        # A cache that does not answer is given up on quickly: rate limits then fail open
        # (safeguarding.throttling) rather than hold a request.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}

# Two-factor sign-in (django-otp).
OTP_TOTP_ISSUER = "Safeguarding Hub"
OTP_TOTP_THROTTLE_FACTOR = 1

# django-axes: per-account lockout.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = SIGN_IN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=SIGN_IN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "people.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "audit.services.client_address"
AXES_SENSITIVE_PARAMETERS = ["password", "code"]
AXES_VERBOSE = False
# Its log lines name the address and path, not the username typed (people.lockout).
AXES_CLIENT_STR_CALLABLE = "people.lockout.client_in_logs"
# axes.W006 asks for the address in AXES_LOCKOUT_PARAMETERS. Addresses are limited by our
# own counter instead (SIGN_IN_ADDRESS_FAILURE_LIMIT), with a higher limit, because a
# whole police station or council office can sit behind one address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Content-Security-Policy: nothing inline, nothing from elsewhere. GOV.UK Frontend and
# htmx run from our own static files; the QR code is inline SVG, which is not script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
        **({} if DEBUG else {"upgrade-insecure-requests": True}),
    }
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)

# Request size limits: forms here are short. The one upload, a profile photo, has its own
# limit (PROFILE_PHOTO_MAX_BYTES), checked before the file is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# django-guardian: no anonymous user row, and never GUARDIAN_AUTO_PREFETCH (guardian issue
# 1028: with it on, direct foreign-key permissions are never loaded and every check fails).
ANONYMOUS_USER_NAME = None
GUARDIAN_AUTO_PREFETCH = False

# Celery: JSON only; tasks acknowledged after they run, so a killed worker's task runs
# again (tasks must be idempotent); the broker's visibility timeout outlasts any task.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# A publish to a Redis that is down fails at once (no reconnect-and-retry loop: kombu's
# default waits about 6 s per message) rather than holding up the request; the outbox rows
# wait for the sweep. A worker's own connection keeps retrying (broker_connection_*). The
# visibility timeout outlasts any task and the longest retry countdown (an hour), so a
# waiting retry is not handed to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT_SECONDS,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 0,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "safeguarding.tasks.heartbeat", "schedule": 60.0},
    "notifications-sweep": {"task": "notifications.tasks.sweep", "schedule": NOTIFY_SWEEP_SECONDS},
    # Links whose after-commit comparison was lost (links.matching): idempotent.
    "links-match-sweep": {
        "task": "links.matching.sweep",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    "notifications-escalate": {
        "task": "notifications.tasks.escalate",
        "schedule": NOTIFY_ESCALATE_SECONDS,
    },
    # Actions from meetings left open past their day (issue 22): once each.
    "meetings-escalate-actions": {
        "task": "meetings.tasks.escalate_actions",
        "schedule": NOTIFY_ESCALATE_SECONDS,
    },
    "missing-escalate-return-interviews": {
        "task": "missing.tasks.escalate_return_interviews",
        "schedule": NOTIFY_ESCALATE_SECONDS,
    },
    # Exploitation risk assessments past their review date (issue 21): once each.
    "notifications-raise-assessment-reviews": {
        "task": "notifications.reviews.raise_assessment_reviews",
        "schedule": 3600.0,
        "options": {"expires": 3600},
    },
    # Placement notices' shares due to lapse (the child left the area): idempotent.
    "missing-lapse-placement-shares": {
        "task": "missing.tasks.lapse_placement_shares",
        "schedule": 3600.0,
        "options": {"expires": 3600},
    },
    # Missing-from-care profiles kept past their retention period (SECURITY.md): idempotent.
    "missing-erase-expired-profiles": {
        "task": "missing.tasks.erase_expired_profiles",
        "schedule": 3600.0,
        "options": {"expires": 3600},
    },
    "idempotency-forget": {
        "task": "idempotency.tasks.forget_expired_claims",
        "schedule": 3600.0,
        "options": {"expires": 3600},
    },
    # Idempotent; a run that queued behind a backlog is dropped, since the next one comes.
    "audit-seal": {
        "task": "audit.tasks.seal_audit_log",
        "schedule": float(AUDIT_SEAL_INTERVAL_SECONDS),
        "options": {"expires": 3 * AUDIT_SEAL_INTERVAL_SECONDS},
    },
    # Hourly, on the hour (CELERY_TIMEZONE is UK time); the first run from
    # AUDIT_SEAL_DIGEST_HOUR sends the day's digest, later ones find it sent.
    "audit-seal-digest": {
        "task": "reports.tasks.send_seal_digest",
        "schedule": crontab(minute=0),
        "options": {"expires": 3600},
    },
}
HEALTH_CHECK_TIMEOUT_SECONDS = 2

# runserver's request log (django.server) as Django logs it, but without query strings:
# a query can hold a child's name or NHS number (safeguarding/logs.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"without_query": {"()": "safeguarding.logs.DropQueryStrings"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.server": {
            "handlers": ["django.server"],
            "filters": ["without_query"],
            "level": "INFO",
            "propagate": False,
        },
    },
}
CSRF_FAILURE_VIEW = "safeguarding.views.csrf_failure"
