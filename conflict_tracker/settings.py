"""Settings for Conflict Tracker, read from the environment (twelve-factor).

Production is switched on by the environment (DEBUG unset or false), not by another
settings file. Without DATABASE_URL / REDIS_URL, the URLs of the PostgreSQL and
Redis started from wheels (see conflict_tracker.localservices) are read from
var/services.env; a variable set in the real environment always wins.
"""

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
import pghistory
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_guid.integrations import CeleryIntegration

from conflict_tracker.history import insert_tracker
from conflict_tracker.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
VAR_DIR = Path(env("CONFLICT_TRACKER_VAR_DIR", default=str(BASE_DIR / "var")))
# An empty variable counts as unset, as it does for conflict_tracker.localservices.
for name in ("DATABASE_URL", "REDIS_URL"):
    if not env.str(name, default=""):
        os.environ.pop(name, None)
environ.Env.read_env(VAR_DIR / "services.env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# A fixed key is only acceptable for local development; production must set SECRET_KEY.
SECRET_KEY = env("SECRET_KEY") if not DEBUG else env("SECRET_KEY", default="dev-only-insecure-key")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django's admin on our site: editors and admins only (conflict_tracker/admin.py).
    "conflict_tracker.admin_config.ConflictTrackerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "django_guid",
    "conflict_tracker",
    "actors",
    "sources",
    "events",
    "tallies",
    "imports",
    "reconciliation",
    "demo",
]

MIDDLEWARE = [
    # The request id first, so that every record of the request carries it (conflict_tracker.logs).
    "django_guid.middleware.guid_middleware",
    "conflict_tracker.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Attaches the signed-in user and the URL to every revision written during the request.
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a sign-in page's answer into the lockout page when django-axes locked the client out.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "conflict_tracker.urls"
WSGI_APPLICATION = "conflict_tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Django's PostgreSQL backend, whose health check skips a connection that ran a query within the last second.
DATABASES["default"]["ENGINE"] = "conflict_tracker.postgresql"
# The incident list has psycopg prepare its page query once per connection (events/api/listing.py), so PostgreSQL
# plans it once rather than at every page. False behind a pooler that does not keep a session's prepared statements:
# psycopg then prepares nothing (prepare_threshold None, Django's default). Django's own cursors bind parameters on
# the client and are never prepared, whatever the threshold; it only matters to the list's server-binding cursor.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5 if DATABASE_PREPARED_STATEMENTS else None
# Two settings of the app's sessions, sent with the connection (libpq's `options`), so they cost no round trip:
# - JIT off: no query of the app runs long enough to gain from it, and its cost is the plan's estimate, not its work.
#   The Mali-2024 list page (a LIMIT over a filter on the incidents' dates the planner cannot estimate) was costed
#   past jit_above_cost and compiled for 40 ms at every request, to run in 2 ms.
# - pgtrigger's list of ignored triggers, empty: every pgtrigger trigger first reads it, and where it is undefined the
#   read raises an error that the trigger catches, 0.44 ms a row; a 20,000-row ACLED import spent 15 s of 37 there.
# DATABASE_SESSION_OPTIONS=false sends neither, for a pooler that refuses startup options.
if env.bool("DATABASE_SESSION_OPTIONS", default=True):
    options = DATABASES["default"]["OPTIONS"]
    options["options"] = f"{options.get('options', '')} -c jit=off -c pgtrigger.ignore={{}}".strip()
# Lets two test runs share one server (e.g. two checkouts) without fighting over test_<name>.
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default=None)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
# Redis answers within REDIS_TIMEOUT seconds or counts as down: the throttle then lets requests through and a task
# that cannot be enqueued is logged and swept up later, so a Redis outage slows no request by more than this.
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=1.0)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Uploaded files (document snapshots, import files) are never served by URL: MEDIA_URL has no route. An upload
# bigger than this is refused with a message; a 1M-row ACLED export is about 500 MB.
IMPORT_MAX_UPLOAD_MB = env.int("IMPORT_MAX_UPLOAD_MB", default=1024)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Security: strict by default, relaxed only by DEBUG for local development.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The health endpoints answer plain HTTP too: compose's health check asks from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# The incident map's tiles: a URL template such as https://tile.example.org/{z}/{x}/{y}.png, or empty for none
# (the map then draws a vendored Natural Earth outline, so it works offline and in tests). The attribution is
# shown under the map as the tile provider asks.
MAP_TILE_URL = env("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="")


def _tile_source(url: str) -> list[str]:
    """The CSP source the tile images come from: the URL's scheme and host, a {s}-style subdomain template
    read as a wildcard (https://*.tile.example.org); nothing for a relative URL, which 'self' covers."""
    parts = urlsplit(url)
    if not (parts.scheme and parts.netloc):
        return []
    return [f"{parts.scheme}://{re.sub(r'[{][^}]*[}]', '*', parts.netloc)}"]


# A strict Content-Security-Policy (django-csp): scripts, styles and fetches from this site only, no inline
# script or style anywhere (templates carry no <script> without src, no <style>, no style=""; the test suite
# checks), images also from data: URLs (Leaflet's and Swagger UI's icons) and from the tile server.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_tile_source(MAP_TILE_URL)],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

CELERY_BROKER_URL = REDIS_URL
# No result backend: nothing reads task results (jobs and tally changes keep their state in tables), and the Redis
# backend retried for 20 s, inside the request, to reach a Redis that was down.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # With Redis, a task whose worker died without acking it is redelivered after this many seconds.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": REDIS_TIMEOUT,
    "socket_timeout": REDIS_TIMEOUT,
    # One attempt to connect for a publish (kombu would otherwise retry for 2 s); the worker's own reconnection
    # follows broker_connection_retry and is not affected.
    "max_retries": 0,
}
# One attempt to publish: requests enqueue on commit (conflict_tracker.tasks.enqueue_on_commit) and must not wait for
# a broker that is down.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# The casualty facts are checked against an independent count of the records every TALLY_VERIFY_HOURS
# (and rebuilt if they disagree).
TALLY_VERIFY_HOURS = env.int("TALLY_VERIFY_HOURS", default=24)
# Reconciliation (reconciliation/queries.py): the days by which two incidents' dates may miss each other, and the
# distances between two exact places, and between two places of which one is only near the place named, within
# which two incidents may be one event.
RECONCILE_DAYS = env.int("RECONCILE_DAYS", default=2)
RECONCILE_EXACT_KM = env.int("RECONCILE_EXACT_KM", default=25)
RECONCILE_NEAR_KM = env.int("RECONCILE_NEAR_KM", default=50)
# The score from which a candidate well ahead of every other candidate of both its incidents
# (reconciliation.queries.AUTOMATIC_LEAD) is decided "same event" without an editor (above 1: never).
RECONCILE_AUTO_SAME = env.float("RECONCILE_AUTO_SAME", default=0.95)
# The worker's heartbeat (a task beat sends, conflict_tracker.tasks.worker_heartbeat), and the age past which
# /health/ready/ fails.
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=30)
HEALTH_HEARTBEAT_MAX_AGE = env.int("HEALTH_HEARTBEAT_MAX_AGE", default=120)
# Heartbeats that a stopped worker did not take expire rather than pile up in the queue.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "verify-tallies": {"task": "tallies.tasks.verify_tallies", "schedule": TALLY_VERIFY_HOURS * 3600},
    "worker-heartbeat": {
        "task": "conflict_tracker.tasks.worker_heartbeat",
        "schedule": WORKER_HEARTBEAT_SECONDS,
        "options": {"expires": WORKER_HEARTBEAT_SECONDS},
    },
}

# Every change to a tracked model is a revision: inserts, updates and deletes, written by database triggers
# (so bulk updates and imports are recorded too), into append-only event tables. A bulk insert that writes its rows'
# snapshots itself turns the insert trigger off (conflict_tracker.history).
PGHISTORY_DEFAULT_TRACKERS = (insert_tracker(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
PGHISTORY_APPEND_ONLY = True
# The request's user and URL go with the writes of unsafe methods only: a read writes nothing, and pghistory's
# context on a GET would still pass every query of the request through its wrapper (and add a statement to some).
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# REST API (/api/v1/): researchers use tokens, the browser its session. Whether anonymous clients may read
# published data is a deployment choice; when they may not, they get 401.
API_ANONYMOUS_READ = env.bool("API_ANONYMOUS_READ", default=True)
# Sources (by acronym, e.g. "ACLED") whose licence this deployment holds: their records, which their terms otherwise
# forbid passing on, are served to the public like our own (events.models.IncidentQuerySet.redistributable).
REDISTRIBUTION_LICENSED = env.list("REDISTRIBUTION_LICENSED", default=[])
# Hostile bodies: JSON nested deeper than this is a 400 (orjson, the parser, reads no deeper than 1024 levels; our
# deepest body, an incident with its casualty records and their named victims, is 5 levels deep). A body (other than an
# uploaded file, which streams to disk) larger than DATA_UPLOAD_MAX_MEMORY_SIZE is a 413, a form with more than
# DATA_UPLOAD_MAX_NUMBER_FIELDS fields a 400; Django's defaults, read here so that a deployment can move them.
API_JSON_MAX_DEPTH = min(env.int("API_JSON_MAX_DEPTH", default=32), 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=1000)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a 401 names the Token scheme in WWW-Authenticate.
        "conflict_tracker.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["conflict_tracker.permissions.ReadOnlyForPublic"],
    "DEFAULT_THROTTLE_CLASSES": ["conflict_tracker.throttling.RoleRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/minute"),
        "user": env("API_THROTTLE_USER", default="600/minute"),
        "auth": env("API_THROTTLE_AUTH", default="10/minute"),
    },
    "DEFAULT_PAGINATION_CLASS": "conflict_tracker.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["conflict_tracker.filters.StrictFilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "conflict_tracker.parsers.ORJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["conflict_tracker.renderers.ORJSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "conflict_tracker.exceptions.api_exception_handler",
    # The one setting for where a client's address comes from, for the throttles and the login lockout alike
    # (conflict_tracker.addresses): 0, REMOTE_ADDR alone and X-Forwarded-For ignored; behind N trusted reverse
    # proxies, N, and the address the outermost of them saw is read from the right of X-Forwarded-For.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
# API tokens (conflict_tracker.tokens): several per user, stored hashed, sent as "Authorization: Token <token>".
# They last API_TOKEN_TTL_DAYS (0: until revoked), counted from their creation: using a token never extends it.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=365)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS) if API_TOKEN_TTL_DAYS > 0 else None,
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
    # A handful per user: each is one script or machine, and signing in counts them.
    "TOKEN_LIMIT_PER_USER": env.int("API_TOKEN_LIMIT_PER_USER", default=20),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Conflict Tracker API",
    "DESCRIPTION": "Published incidents, actors and the sources behind every figure.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from the drf-spectacular-sidecar package: the docs page loads nothing from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a `kind`; each gets its own named enum in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ActorKindEnum": "actors.choices.ActorKind",
        "IncidentStatusEnum": "events.choices.IncidentStatus",
        "RelationKindEnum": "actors.choices.RelationKind",
        "SourceKindEnum": "sources.choices.SourceKind",
        "HarmEnum": "conflict_tracker.choices.Harm",
        "PropertyKindEnum": "conflict_tracker.choices.PropertyKind",
        "PropertyHarmKindEnum": "conflict_tracker.choices.PropertyHarmKind",
        "AttributionEnum": "events.choices.Attribution",
        "ClaimMeasureEnum": "sources.choices.ClaimMeasure",
        "TallyMeasureEnum": "conflict_tracker.choices.Measure",
        "AttributionLevelEnum": "conflict_tracker.choices.AttributionLevel",
        "ImportKindEnum": "conflict_tracker.choices.ImportKind",
        "DatasetEnum": "conflict_tracker.choices.Dataset",
        "ImportStatusEnum": "imports.choices.ImportStatus",
    },
    # What inference cannot know: error responses, export media types, staff-only fields, filter examples.
    # After the enum hook, which rebuilds the components from the generator's registry.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "conflict_tracker.schema.document_errors",
        "conflict_tracker.schema.document_exports",
        "conflict_tracker.schema.document_staff_fields",
        "conflict_tracker.schema.document_filters",
    ],
}

# Login lockout (django-axes) on every sign-in door: the pages, the admin and the API token endpoint. Failures are
# counted in the database (not Redis) per username *and* address, so an attacker elsewhere cannot lock a user out;
# after AXES_FAILURE_LIMIT of them that pair is refused for AXES_COOLOFF_MINUTES (0: until an admin deletes its
# "access attempt" in the admin). Each failure is logged with the username and the address.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES) if AXES_COOLOFF_MINUTES > 0 else None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "conflict_tracker.addresses.client_address"
AXES_LOCKOUT_CALLABLE = "conflict_tracker.lockout.locked_out_page"
# Axes masks the username and address in its log lines by default; who failed from where is what the log is for.
AXES_SENSITIVE_PARAMETERS: list[str] = []
AXES_COOLOFF_MESSAGE = _(
    "Too many failed sign-ins with this username from your address. Try again later, or ask an admin to unlock it."
)
AXES_PERMALOCK_MESSAGE = _("Too many failed sign-ins with this username from your address. Ask an admin to unlock it.")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Demo users are created by `manage.py load_demo` only while DEBUG is on.
DEMO_PASSWORD = env("DEMO_PASSWORD", default="demo")

# Logs go to stderr, as JSON lines in production (LOG_FORMAT=json, the default with DEBUG off) or as plain text
# (LOG_FORMAT=text, the default with DEBUG on); each record of a request carries its request id (conflict_tracker.logs).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = logging_config(json_lines=LOG_FORMAT == "json", level=env("LOG_LEVEL", default="INFO"))
# The request id comes from the proxy's X-Request-ID header when it is a UUID, is made up otherwise, and is returned
# in the response's X-Request-ID; the Celery integration hands it to the tasks a request enqueues and makes the worker
# log with LOGGING above.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "EXPOSE_HEADER": False,
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True)],
}
