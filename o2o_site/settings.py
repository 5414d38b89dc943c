"""Settings for O2O back office, read from environment variables.

A first run needs no variable at all: SQLite file, Celery tasks run eagerly, DEBUG on.
`DJANGO_ENV=production` switches on the hardened profile (HTTPS, secure cookies, HSTS) and
refuses to start without a real SECRET_KEY.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development").strip().lower()
PRODUCTION = DJANGO_ENV == "production"

_DEV_SECRET = "dev-insecure-o2o-back-office-secret-key-change-me-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET):
    raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production")

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "o2o_site",
    "customers",
    "channels",
    "promotions",
    "collect",
    "support",
    "reports",
    "journeys",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "o2o_site.middleware.PermissionsPolicyMiddleware",
    "o2o_site.middleware.RejectMalformedRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "o2o_site.middleware.VietnameseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "o2o_site.auth.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "o2o_site.middleware.StatementTimeoutMiddleware",
    "o2o_site.middleware.MissingObjectIs404Middleware",
    # Last, as django-axes asks: it turns a lockout into the answer o2o_site.auth gives.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp) on every answer: scripts only from our own static files —
# no inline script or on* handler anywhere (behaviour lives in static/js/app.js and the apps'
# static JS). Inline *styles* stay allowed: htmx injects its indicator style, a few templates and
# the vendored API docs use style attributes. Nothing from other hosts (the screens work offline).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Permissions-Policy on every answer (o2o_site.middleware.PermissionsPolicyMiddleware): the
# back office uses none of these browser features.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=(), browsing-topics=()"
)

# Requests no endpoint can accept (o2o_site.middleware.RejectMalformedRequestMiddleware).
MAX_URL_LENGTH = env_int("MAX_URL_LENGTH", 4096)  # path + query string, in characters
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)  # Django's default, 2.5 MB

ROOT_URLCONF = "o2o_site.urls"

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
                "django.template.context_processors.i18n",
                "o2o_site.navigation.navigation",
            ],
            "builtins": ["o2o_site.templatetags.o2o"],
        },
    },
]

WSGI_APPLICATION = "o2o_site.wsgi.application"
ASGI_APPLICATION = "o2o_site.asgi.application"

# Database: DATABASE_URL, or a SQLite file for a first run.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
# Persistent connections (DB_CONN_MAX_AGE seconds) are checked before reuse, so a restarted
# database costs one failed check, not a failed request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 0)  # set by wsgi.py for web processes
if IS_POSTGRES:
    # OLTP: PostgreSQL's JIT once spent 809 of 834 ms compiling one listings UPDATE on stale
    # statistics; no query of this application runs long enough to repay it.
    pg_options = ["-c jit=off"]
    if DB_STATEMENT_TIMEOUT_MS > 0:
        pg_options.append(f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}")
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", " ".join(pg_options))
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Signing in (o2o_site/auth.py) ----------------------------------------------------------
# Every password check goes through django-axes first, then the usual model backend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("LOGIN_THROTTLE", default=True)
# Failures per account, and per address, before a cool-off; the cool-off doubles with every
# further failure (at most a day) and a successful login resets the count.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_COOLOFF_MINUTES = env_int("LOGIN_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = "o2o_site.auth.login_cooloff"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "o2o_site.auth.lockout_response"
# The client address: REMOTE_ADDR, unless a trusted proxy's header is configured (never a
# header a client could send directly).
AXES_IPWARE_META_PRECEDENCE_ORDER = tuple(dict.fromkeys([*env_list("LOGIN_CLIENT_IP_HEADER"), "REMOTE_ADDR"]))
# Staff sessions end after this many idle minutes, per role (the shortest of the user's roles
# applies): tills are shared machines. Logout ends the session at once.
SESSION_IDLE_MINUTES = {
    "cashier": env_int("SESSION_IDLE_MINUTES_CASHIER", 30),
    "default": env_int("SESSION_IDLE_MINUTES", 8 * 60),
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Vietnam first: Vietnamese screens, Vietnamese time, whole-VND money.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
# locale/ is the project's catalogue (makemessages writes there); o2o_site/django_messages/ only
# rewords Django's own messages in Vietnamese, and makemessages leaves it alone.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "o2o_site" / "django_messages"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
CURRENCY = "VND"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Public base URL of the site, used in links sent to customers (voucher short links, QR pages).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
if not CELERY_BROKER_URL and CELERY_TASK_ALWAYS_EAGER:
    # Eager tasks still open a (lazy) producer: with no URL kombu warns "No hostname was supplied.
    # Reverting to default 'localhost'" on every first run. The in-memory transport says the truth.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = env_bool("CELERY_TASK_EAGER_PROPAGATES", default=False)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
# Deliberate (README, "Background work"): a task is acknowledged after it ran (acks_late), and
# given back to the queue when its worker process dies (reject_on_worker_lost), so a crash never
# drops one; every task is idempotent, and long jobs hold a lease, so a second delivery is
# harmless. With Redis, a message a dead worker had taken comes back after visibility_timeout
# (900 s): longer than any countdown we use (the pacing of segment campaigns); a long job is
# taken over sooner by its periodic resume once its lease (60 s) expires.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 900),
}
# Apps add their periodic tasks here (one entry each; the task itself lives in the app).
CELERY_BEAT_SCHEDULE: dict = {}

# --- API ----------------------------------------------------------------------------------
# django-filter's empty choice reads as a word on every filter form, never "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("Tất cả")

REST_FRAMEWORK = {
    # Token first: DRF answers 401 with the first class's WWW-Authenticate ("Token") when the
    # credentials are missing or bad; with session first it could only answer 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "o2o_site.api.Pagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "o2o_site.schema.AutoSchema",
    "EXCEPTION_HANDLER": "o2o_site.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "o2o_site.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 32)  # o2o_site.parsers.JSONParser
SPECTACULAR_SETTINGS = {
    "TITLE": "O2O back office API",
    "DESCRIPTION": "Customers, channels, promotions and support of an omnichannel retailer.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # The error body on every operation, and times as the API writes them (o2o_site/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "o2o_site.schema.postprocess_error_responses",
    ],
    # Several models have a "status" or "channel" field with different choices: name each set.
    "ENUM_NAME_OVERRIDES": {
        "ContactChannelEnum": "customers.models.ContactChannel",
        "TicketChannelEnum": "support.models.Ticket.Channel",
        "TicketStatusEnum": "support.models.Ticket.Status",
        "OrderStatusEnum": "channels.models.Order.Status",
        "VoucherStatusEnum": "promotions.models.Voucher.Status",
        "SourceKindEnum": "collect.models.Source.Kind",
    },
}

# --- Caches (rate limits, idempotency) ----------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A hung Redis must cost a request half a second, not a worker timeout: past these the
            # callers degrade (o2o_site.safe_cache) and skip the cache for CACHE_RETRY_SECONDS.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CACHE_RETRY_SECONDS = env_int("CACHE_RETRY_SECONDS", 5)
# Where the client's address is read (o2o_site.client_ip): a request.META key set by the one
# trusted reverse proxy in front of the site, e.g. HTTP_X_REAL_IP; REMOTE_ADDR when none.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "REMOTE_ADDR")

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # 4xx answers are the client's business (and a 403 would print a traceback); 5xx stay.
        "django.request": {"level": "ERROR"},
        # In-process (eager) tasks would print a "Task … succeeded" line each on the dev console.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}

# --- Production profile -------------------------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
