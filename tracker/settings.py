"""OpenBlotter settings.

Every value comes from the environment (see `.env.example` and the README's
configuration table). Defaults give a working local site: SQLite, tasks run
inline, e-mail printed to the console. With DEBUG off the secure defaults
apply and SECRET_KEY must be set.
"""

import zoneinfo
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from tracker.env import env_bool, env_int, env_list, env_log_level, env_rate, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "insecure-local-only" if DEBUG else None, required=not DEBUG)
if not DEBUG and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", schemes={"http", "https"}).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "precincts",
    "incidents",
    "publishing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The idle timeout, saving the session at most once a minute.
    "precincts.sessions.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "tracker.audit.AuditContextMiddleware",
    # Axes must come last so it sees the final outcome of the login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

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
                "precincts.context_processors.desk",
            ],
        },
    },
    # The public pages and feeds: the pages residents load most, rendered with
    # Jinja2 (templates/jinja2/), which is several times faster than Django's
    # engine for the same markup. Selected explicitly with using="jinja2".
    {
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "tracker.jinja2.environment", "auto_reload": DEBUG},
    },
]

FORM_RENDERER = "tracker.forms.USWDSRenderer"

# --- Database --------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Django understands: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions let the demo's web process and inline
    # tasks write without "database is locked" errors.
    _db["OPTIONS"] = {
        **_db.get("OPTIONS", {}),
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
    }
    _db["CONN_MAX_AGE"] = 0
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # Prepared reads (tracker.prepared): the pages' few compiled reads are
    # prepared on each connection the first time it runs them, and PostgreSQL
    # keeps one generic plan for each (their constants are written into the SQL,
    # so that plan still uses the partial indexes): parsed and planned once per
    # connection instead of at every request. Every other query is bound on the
    # client (Django's default) and planned with its values, so the setting
    # applies to those reads only. Needs session-level pooling if a pooler sits
    # in between (pgbouncer: pool_mode = session, and "options" accepted);
    # 0 turns it off.
    # Options given in DATABASE_URL (?sslmode=require, ?options=-c …) are kept.
    _db["OPTIONS"] = dict(_db.get("OPTIONS", {}))
    if env_bool("DATABASE_PREPARED_READS", True):
        _session = f"{_db['OPTIONS'].get('options', '')} -c plan_cache_mode=force_generic_plan".strip()
        _db["OPTIONS"].update(prepare_threshold=0, options=_session)
else:
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…) or SQLite (sqlite:///…).")
_db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache -----------------------------------------------------------------
CACHE_URL = env_url("CACHE_URL", None, schemes={"redis", "rediss"})
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "tracker.cache.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Rendered public pages are cached (key = what they show + the minute), so a
# surge on one timeline renders it about once a minute. Off only to measure.
PUBLIC_PAGE_CACHE = env_bool("PUBLIC_PAGE_CACHE", True)
# With a shared cache, public pages keep their change markers there, so a 304
# or a cached page needs no database query (tracker/conditional.py).
PUBLIC_MARKERS_IN_CACHE = bool(CACHE_URL)
# A conditional request (If-None-Match) may be answered from markers this
# process read this many seconds ago, without a cache round trip; every other
# request reads them afresh. 0: every request reads them.
PUBLIC_TOKEN_SECONDS = env_int("PUBLIC_TOKEN_SECONDS", 1, minimum=0)

# --- Celery ----------------------------------------------------------------
# Without a broker the demo runs every task inline, in the web process.
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", None, schemes={"redis", "rediss", "amqp", "amqps"})
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
# JSON only: tasks take ids, never pickled objects.
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Nothing reads task results; the database is the record of what happened.
CELERY_TASK_IGNORE_RESULT = True
# One task at a time per worker process, so a crash loses at most one.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Limits keep a hung network call from holding a worker forever.
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Queueing a task while the broker is down gives up after about a second
# (capped retries), so a supervisor's "publish" is not held up; the row is in
# the database and the delivery sweeper queues it once the broker is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.5}

# Channel deliveries (publishing/). A delivery task makes at most three HTTP
# calls (sign in, look up, send), each with a timeout of an eighth of the soft
# limit; the soft limit ends a slow attempt as "outcome unknown", recorded;
# the hard limit kills what the soft one could not. Settable from the
# environment so that the crash test can run with short limits.
PUBLISHING_TASK_TIME_LIMIT = env_int("PUBLISHING_TASK_TIME_LIMIT", 60, minimum=5)
PUBLISHING_TASK_SOFT_TIME_LIMIT = PUBLISHING_TASK_TIME_LIMIT * 4 // 5
# A claim older than this belongs to a task that is dead (its hard limit has
# passed, plus a margin for clocks that differ between machines), so the
# sweeper gives the delivery to another worker, which asks the network first.
PUBLISHING_CLAIM_EXPIRY = PUBLISHING_TASK_TIME_LIMIT + max(5, PUBLISHING_TASK_TIME_LIMIT // 4)
# Retries back off exponentially with jitter up to this many seconds, queued
# with a countdown; a longer wait (a large Retry-After) stays in the database
# for the sweeper instead of in the broker.
PUBLISHING_MAX_COUNTDOWN = 600
# Capped retries: after this many attempts a delivery is marked failed and
# waits for a supervisor's retry (8 attempts span about 40 minutes).
PUBLISHING_MAX_ATTEMPTS = 8
CELERY_TASK_ANNOTATIONS = {
    name: {
        # Acknowledge a delivery's message only after the task ran, and put it
        # back when the worker process running it dies (SIGKILL, OOM): a crash
        # never loses it. Running it twice is safe: the delivery is claimed
        # with a conditional UPDATE before anything is sent.
        "acks_late": True,
        "reject_on_worker_lost": True,
        "soft_time_limit": PUBLISHING_TASK_SOFT_TIME_LIMIT,
        "time_limit": PUBLISHING_TASK_TIME_LIMIT,
    }
    for name in ("publishing.tasks.send_delivery", "publishing.tasks.retract_delivery")
}
# Redis gives an unacknowledged message to another worker after this long. A
# retry queued with a countdown sits unacknowledged in a worker until it is
# due, so this must exceed the longest countdown plus the hard time limit, or
# the message would run twice (harmless, but wasted). An hour is kombu's
# default, written out because it matters here.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= PUBLISHING_MAX_COUNTDOWN + PUBLISHING_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("PUBLISHING_TASK_TIME_LIMIT is too long for the broker's visibility timeout.")
# When the broker connection drops, let running late-acknowledged tasks finish
# and record their outcome; the copy redelivered later finds the work done.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# One beat process runs this schedule (Procfile: `beat`). The publisher is
# idempotent, so a late or doubled run publishes nothing twice.
CELERY_BEAT_SCHEDULE = {
    "publish-due-posts": {"task": "incidents.tasks.publish_due_posts", "schedule": 15.0},
    # Hands back deliveries of dead tasks and queues again those whose message
    # was lost; idempotent, so a late or doubled run sends nothing twice.
    "sweep-deliveries": {"task": "publishing.tasks.sweep_deliveries", "schedule": 30.0},
}

# --- Channels ----------------------------------------------------------------
# Fernet key(s) that encrypt channel secrets at rest, comma-separated: the
# first encrypts, all decrypt (rotation). Absent: with DEBUG on, a key derived
# from SECRET_KEY; with DEBUG off, channels with secrets refuse to be saved.
CHANNEL_SECRETS_KEY = env_list("CHANNEL_SECRETS_KEY", [])

# --- Auth, sessions, lockout -----------------------------------------------
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before any password check.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with the request's user read by a prepared read (precincts/backends.py).
    "precincts.backends.StaffBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desk:incident_list"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after 30 minutes without a request (idle timeout). Instead of
# writing the session row on every request, precincts.sessions saves it (which
# pushes the expiry back) at most once per SESSION_REFRESH_SECONDS, so a
# session ends up to that much before its idle timeout (29 to 30 minutes after
# its last request by default), never after. Its SessionStore is Django's
# database store that also reads when the session row expires.
SESSION_ENGINE = "precincts.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_REFRESH_SECONDS = min(60, SESSION_COOKIE_AGE // 10)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=10))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# --- Security headers --------------------------------------------------------
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    # Only behind a proxy that sets this header itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline scripts or styles anywhere: every script is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# --- REST framework ----------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "tracker.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_ANON_RATE", "120/minute"),
        "user": env_rate("API_USER_RATE", "600/minute"),
        # POST /api/v1/auth/token/ (sign-in), on top of django-axes' lockout.
        "auth": env_rate("API_AUTH_RATE", "10/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "incidents.api.schema.ApiSchema",
}

# OpenAPI 3 schema at /api/schema/, Swagger UI at /api/docs/ from local static files.
SPECTACULAR_SETTINGS = {
    "TITLE": "OpenBlotter API",
    "DESCRIPTION": (
        "Public, read-only data (precincts, published posts, reports by reference) and the staff API "
        "(incidents, follow-ups, posts and their review). Errors always look like "
        '{"detail": "...", "errors": {"field": ["message"]}}. Staff sign in with a token from '
        "POST /api/v1/auth/token/ (send `Authorization: Token <key>`) or a desk session with a CSRF token."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Separate request and response components: read-only fields are never asked for.
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.models.Status",
        "PostStatusEnum": "incidents.models.PostStatus",
        "PostKindEnum": "incidents.models.PostKind",
        "OutcomeEnum": "incidents.models.Outcome",
        "SourceEnum": "incidents.models.Source",
        "PriorityEnum": "incidents.models.Priority",
        "RoleEnum": "precincts.models.Membership.Role",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- E-mail ------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "OpenBlotter <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ----------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "America/New_York")
if TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(
        f"TIME_ZONE must be an IANA time zone name such as America/New_York; got {TIME_ZONE!r}."
    )
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_log_level("LOG_LEVEL", "INFO")},
}
