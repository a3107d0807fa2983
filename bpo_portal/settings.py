"""Settings for the BPO operations portal, read from the environment.

Every value has a safe local default (SQLite in the project folder, Celery running tasks eagerly
in-process, DEBUG on), so `make demo` needs no configuration. A bad value stops start-up with a
message naming the variable: a typo in production must never fall back to a default silently.
"""

from pathlib import Path
from zoneinfo import available_timezones

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from bpo_portal.env import env_bool, env_database, env_int, env_list, env_rate, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET = "django-insecure-local-development-key-never-use-in-production-0123456789"
SECRET_KEY = env_str("DJANGO_SECRET_KEY", _DEV_SECRET if DEBUG else None)
if not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be a random string of at least 50 characters when DJANGO_DEBUG "
        "is false (generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "accounts",
    "clients",
    "calendars",
    "processes",
    "agents",
    "quality",
    "reporting",
    "recompute",
    "sla",
    "workforce",
    "dashboards",
    "work",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session and the user are read: the whole request reads from one database
    # (the replica only for REPLICA_READ_PATHS, never after a write; bpo_portal/replica.py).
    "bpo_portal.replica.ReplicaMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after the user is known: from here on (views, templates, context processors, the
    # middleware below) client data read without the caller's scope raises (bpo_portal/tenancy.py).
    "bpo_portal.middleware.TenancyGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before any view or CSRF check reads a parameter: NUL bytes, oversize bodies -> 400 (JSON on
    # /api/, a page with the menu elsewhere, hence after the session, user and messages).
    "bpo_portal.middleware.HostileInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "bpo_portal.middleware.SecurityHeadersMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during authentication into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bpo_portal.urls"
WSGI_APPLICATION = "bpo_portal.wsgi.application"

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
                "accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the demo server read while a long import writes; a busy timeout instead of
    # "database is locked" when the two meet.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
# An optional streaming replica of the primary for the heavy reads (bpo_portal/replica.py): the
# dashboards, the client portal and the figure APIs read from it while it keeps up, reports only
# when it has caught up; a writer reads the primary for REPLICA_PIN_SECONDS after its write.
if env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = env_database("DATABASE_REPLICA_URL", "")
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql" or DATABASES["default"]["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs PostgreSQL for both the primary and the replica.")
DATABASE_ROUTERS = ["bpo_portal.replica.ReplicaRouter"]
REPLICA_READ_PATHS = tuple(
    env_list(
        "REPLICA_READ_PATHS", ["/dashboard/", "/api/v1/kpis/", "/api/v1/sla/", "/api/v1/forecast/", "/api/v1/staffing/"]
    )  # fmt: skip
)
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 15, minimum=1)
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 10, minimum=0)
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 2, minimum=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username or address is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes, accounts/lockout.py): failed sign-ins within AXES_COOLOFF_MINUTES
# are counted three ways, each with its own limit: one username from one address
# (AXES_FAILURE_LIMIT), one username from any address (AXES_USERNAME_FAILURE_LIMIT: distributed
# guessing) and one address for any username (AXES_IP_FAILURE_LIMIT: password spraying). Reaching
# one refuses what it covers, with 429 and Retry-After, until the cool-off has passed.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_USERNAME_FAILURE_LIMIT = env_int("AXES_USERNAME_FAILURE_LIMIT", 10, minimum=1)
AXES_IP_FAILURE_LIMIT = env_int("AXES_IP_FAILURE_LIMIT", 20, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_HANDLER = "accounts.lockout.LimitsHandler"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_USERNAME_CALLABLE = "accounts.lockout.client_username"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0, minimum=0) or None
# The same address as the API throttles (REMOTE_ADDR, or X-Forwarded-For behind AXES_PROXY_COUNT proxies).
AXES_CLIENT_IP_CALLABLE = "bpo_portal.throttling.client_ip"
AXES_ENABLED = env_bool("AXES_ENABLED", True)

LANGUAGE_CODE = "en-us"
# Stored timestamps are UTC; every KPI day is a local day of the process's own time zone.
TIME_ZONE = env_str("TIME_ZONE", "UTC")
if TIME_ZONE not in available_timezones():
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"TIME_ZONE={TIME_ZONE!r} is not an IANA time zone name.")
USE_I18N = True
USE_TZ = True
# Off: ids, versions and form values must render as plain digits ("item-5379", not "item-5,379",
# which broke the work queue's forms once ids passed 999). Figures get their separators from the
# formatters that print them (bpo_portal.units, |count, |intcomma).
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Files (reports, uploads) are served only through authorised views: no URL route serves
# MEDIA_ROOT, in development or production (MEDIA_URL is set only because Django requires one).
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# The bulk import API takes up to 10,000 records per request (a few MB of JSON). A larger body
# is refused with a 400 (JSON on the API) by bpo_portal.middleware.HostileInputMiddleware; file
# uploads (multipart) are not held in memory and have their own limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 32 * 1024 * 1024

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind a TLS-terminating proxy (nginx, a load balancer) that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first, so that a request without credentials gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["bpo_portal.drf.CapabilityPermission"],
    "DEFAULT_PAGINATION_CLASS": "bpo_portal.drf.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "bpo_portal.api.AutoSchema",
    "EXCEPTION_HANDLER": "bpo_portal.drf.exception_handler",
    # JSON with a size and nesting limit, refusing characters the database cannot store (NUL).
    "DEFAULT_PARSER_CLASSES": [
        "bpo_portal.drf.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Request rates (429 with Retry-After beyond them), counted in the default cache (Redis when
    # REDIS_URL is set, so shared by every web process): per signed-in user on every API route,
    # per address for requests without credentials, and per address on the token endpoint.
    "DEFAULT_THROTTLE_CLASSES": ["bpo_portal.throttling.UserRateThrottle", "bpo_portal.throttling.AnonRateThrottle"],
    # The client's address is REMOTE_ADDR unless proxies are declared (X-Forwarded-For is spoofable).
    "NUM_PROXIES": env_int("AXES_PROXY_COUNT", 0, minimum=0),
    "DEFAULT_THROTTLE_RATES": {
        "user": env_rate("API_RATE_USER", "1200/minute"),
        "anon": env_rate("API_RATE_ANON", "120/minute"),
        "auth-token": env_rate("API_RATE_TOKEN", "30/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BPO operations portal API",
    "DESCRIPTION": (
        "Clients, processes, SLA targets, teams, agents and users of the BPO operations portal. "
        "Objects are addressed by their business code. Authenticate with a token from "
        "/api/v1/auth/token/ (header `Authorization: Token <token>`) or a browser session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The interactive docs work offline: Swagger UI's assets come from drf-spectacular-sidecar.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Celery -------------------------------------------------------------------------------------
# Without REDIS_URL, tasks run eagerly in the calling process (the embedded default).
REDIS_URL = env_url("REDIS_URL", None, schemes=("redis", "rediss"))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CELERY_BROKER_URL = "memory://localhost/"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
# Shared cache (import progress): Redis when there is one, else this process's memory.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# A broker that cannot be reached costs a write at most this long (seconds): the portal queues its
# tasks after commit without retries (bpo_portal.tasks.enqueue_safely); the sweeps below catch up.
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_TIMEOUT_SECONDS", 2, minimum=1)
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = CELERY_BROKER_CONNECTION_TIMEOUT
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 1}}
# An uploaded import still queued after this many seconds is queued again by the beat sweep.
IMPORT_REQUEUE_SECONDS = env_int("IMPORT_REQUEUE_SECONDS", 300, minimum=60)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {
    # Recompute any (process, day) still marked: the safety net behind the on-commit trigger.
    "sweep-kpi-marks": {"task": "reporting.sweep_kpi_marks", "schedule": env_int("KPI_SWEEP_SECONDS", 60, minimum=5)},
    # Uploaded imports whose task was lost (the broker was unreachable at upload): queue them again.
    "requeue-stale-imports": {"task": "processes.requeue_stale_imports", "schedule": 60},
    # Hand out whatever work is still unassigned on processes that assign automatically.
    "auto-assign-work": {
        "task": "work.auto_assign_unassigned",
        "schedule": env_int("WORK_AUTO_ASSIGN_SECONDS", 300, minimum=10),
    },
    # SLA breach alerts (also run after every KPI recompute): email on a change into at risk/missed.
    "evaluate-sla-alerts": {
        "task": "reporting.evaluate_sla_alerts",
        "schedule": env_int("SLA_ALERT_SECONDS", 900, minimum=60),
    },
    # Monthly client reports: hourly check, generates last month's from REPORTS_HOUR local time
    # on the 1st (each client's time zone), catching up for REPORTS_CATCH_UP_DAYS days.
    "monthly-client-reports": {"task": "reporting.generate_due_reports", "schedule": crontab(minute=5)},
    # Nightly forecast of every active process (backtest, method, the next 42 days), 02:30 UTC.
    "forecast-all": {"task": "workforce.forecast_all", "schedule": crontab(hour=2, minute=30)},
    # Recompute shards whose message was lost or whose worker died: queued again.
    "requeue-stale-recompute-shards": {"task": "recompute.requeue_stale_shards", "schedule": 300},
}
# A recompute shard queued or started this long ago and not finished is queued again (it is
# idempotent: a slow shard run twice rewrites the same rows).
RECOMPUTE_SHARD_STALE_SECONDS = env_int("RECOMPUTE_SHARD_STALE_SECONDS", 1800, minimum=60)

# --- Monthly reports ------------------------------------------------------------------------------
REPORTS_HOUR = env_int("REPORTS_HOUR", 6, minimum=0)
if REPORTS_HOUR > 23:
    raise ImproperlyConfigured(f"REPORTS_HOUR={REPORTS_HOUR} is not an hour of the day (0-23).")
REPORTS_CATCH_UP_DAYS = env_int("REPORTS_CATCH_UP_DAYS", 3, minimum=1)
# Absolute links in emails (reports ready, SLA alerts); empty = site-relative paths.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "")

# --- Email --------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "BPO portal <portal@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
