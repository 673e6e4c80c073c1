"""Settings for Aktionskort, all read from the environment (see .env.example).

Without any environment the app runs on embedded defaults: SQLite and Celery's
filesystem broker, so `make run` needs no server. DATABASE_URL and REDIS_URL switch
to PostgreSQL and Redis.
"""

import datetime as dt
import importlib.util
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The default only exists so that a fresh clone runs; `check --deploy` flags it and
# docker-compose refuses to start without a real one.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "core.admin.AktionskortAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "core",
    "django_htmx",
    "template_partials",
    "simple_history",
    "axes",
    "csp",
    "contacts",
    "printing",
    "cards",
    "incidents",
    "notifications",
    "sso",
    "exercises",
    "alerts",
    "smsin",
    "pwa",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages on a phone over a slow link: HTML compresses ~5x. Django's GZip adds random
    # padding against BREACH, and CSRF tokens are masked per response.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Same as Django's, but it does not load the user for login_not_required views.
    "core.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's, with the site-wide policy built once per process.
    "core.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "core.context_processors.roles",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions let the web process and the Celery worker write to
    # the same file without "database is locked" errors.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # Health checks let a long-lived process survive a PostgreSQL restart.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache is shared by every gunicorn worker (the shared poll renders, the figures API's
# rate limits): Redis when there is one — CACHE_URL, e.g. a db of its own
# (redis://redis:6379/1), else REDIS_URL. A Redis that is down is a miss (core/cache.py).
# LocMem only on the embedded default.
CACHE_URL = env("CACHE_URL", default="") or env("REDIS_URL", default="")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "ak",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth ---------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password logins: with SSO configured only emergency accounts and superusers (sso/breakglass.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "sso.breakglass.PasswordBackend",
    "sso.oidc.OIDCBackend",
]
# Login throttling. The whole contact centre shares one public IP address, so a lockout
# is per username *and* IP: one person mistyping never locks out their colleagues.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
# Verbose axes prints "AXES: BEGIN …" when each process starts (every manage.py command,
# gunicorn worker and Celery process); lockouts and failures are logged all the same.
AXES_VERBOSE = env.bool("AXES_VERBOSE", default=False)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "da"
LANGUAGES = [("da", "Dansk"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "core" / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files in production (collectstatic in the Dockerfile);
        # plain files for `make run` and the tests, which never run collectstatic.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security -------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Strict: no inline scripts or styles anywhere, so htmx runs with allowEval=false and
# its indicator styles live in app.css.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
SECURE_REFERRER_POLICY = "same-origin"

# --- E-mail ---------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Aktionskort <aktionskort@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT = "core.broker:Transport"  # kombu's, that survives losing Redis
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than any countdown we use (retries ≤ 30 s; the report is never re-checked),
        # so a task waiting for its ETA in a live worker is never handed to a second one.
        # A dead worker's work is re-enqueued by the outbox sweep in seconds, not this.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=120),
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
else:
    # The filesystem transport needs no server and no extra package; the SQLAlchemy
    # transport would add a second writer to the SQLite file the app already uses.
    BROKER_DIR = VAR_DIR / "broker"
    # The transport expects its folders to exist; a fresh clone has none.
    for folder in ("queue", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    # A host the transport ignores: without one kombu warns "No hostname was supplied"
    # on every connection of every process.
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The web process must not hang when the broker is down: the outbox keeps the work.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {}
# A second queue, consumed by every worker next to the default one, for the few tasks that
# must not wait behind a backlog of a thousand deliveries: the tick (every incident's due
# updates), the sweep, and the redelivery of a message whose worker died mid-send.
CELERY_TASK_QUEUES = (Queue("celery"), Queue("priority"))
CELERY_TASK_ROUTES = {
    "notifications.tasks.outbox_sweep": {"queue": "priority"},
    "notifications.tasks.status_updates_tick": {"queue": "priority"},
}

# --- Notifications (status updates to the crisis communication team) -------------------------
# SMS: GatewayAPI when a token is set, else the console backend (prints, for `make run`).
GATEWAYAPI_URL = env("GATEWAYAPI_URL", default="https://gatewayapi.com/rest/mtsms")
GATEWAYAPI_TOKEN = env("GATEWAYAPI_TOKEN", default="")
SMS_BACKEND = env(
    "SMS_BACKEND",
    default="notifications.channels.GatewayAPISMSBackend"
    if GATEWAYAPI_TOKEN
    else "notifications.channels.ConsoleSMSBackend",
)
SMS_SENDER = env("SMS_SENDER", default="Aktionskort")
SMS_TIMEOUT = env.int("SMS_TIMEOUT", default=10)
NOTIFY_REMINDER_MINUTES = env.int("NOTIFY_REMINDER_MINUTES", default=5)
NOTIFY_RETRY_BASE_SECONDS = env.int("NOTIFY_RETRY_BASE_SECONDS", default=30)
# Temporary failures are retried until this long after the first attempt, then the
# recipient's next channel is used (or the message is marked failed).
NOTIFY_RETRY_TOTAL_SECONDS = env.int("NOTIFY_RETRY_TOTAL_SECONDS", default=1800)
# The sweep re-enqueues queued messages whose attempt has been due this long with no
# enqueue since, and every message whose lease ran out; both bound recovery after a
# worker dies to lease + sweep period (≤ 15 s, see notifications/README.md).
NOTIFY_SWEEP_AFTER_SECONDS = env.int("NOTIFY_SWEEP_AFTER_SECONDS", default=8)
# A send holds its message for this long, renewed every third of it while it runs.
NOTIFY_LEASE_SECONDS = env.int("NOTIFY_LEASE_SECONDS", default=6)
# Readiness and the dashboard's warning: a message waiting longer, or no sweep for longer.
NOTIFY_STUCK_AFTER_SECONDS = env.int("NOTIFY_STUCK_AFTER_SECONDS", default=120)
NOTIFY_HEARTBEAT_STALE_SECONDS = env.int("NOTIFY_HEARTBEAT_STALE_SECONDS", default=60)
# Webhooks (Teams Workflows): a Koordinator types the address, the worker POSTs to it, so
# only these hosts are allowed (https, port 443 unless an entry says "host:port"), and
# never an address inside our network (notifications/webhooks.py). "*.x" matches any name
# under x. Teams Workflows and Power Automate flows ("When a Teams webhook request is
# received", also the way to post to Viva Engage, which has no incoming webhook of its
# own) give URLs on *.logic.azure.com (older flows) and *.environment.api.powerplatform.com
# (since 2025); *.webhook.office.com is the retired Office 365 connector's.
WEBHOOK_ALLOWED_HOSTS = env.list(
    "WEBHOOK_ALLOWED_HOSTS",
    default=["*.logic.azure.com", "*.api.powerplatform.com", "*.webhook.office.com"],
)
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
# Teams refuses messages over 28 KB.
WEBHOOK_MAX_PAYLOAD_BYTES = env.int("WEBHOOK_MAX_PAYLOAD_BYTES", default=28_000)
# A CA bundle to verify webhook servers with instead of certifi's (the tests' own CA).
# Certificates are always verified; there is no setting to turn that off.
WEBHOOK_CA_BUNDLE = env("WEBHOOK_CA_BUNDLE", default="")
# WEBHOOK_ALLOW_LOOPBACK_FOR_TESTS is deliberately not read from the environment: only
# the test suite (pytest's settings fixture, tests/notifications/worker_settings.py) sets
# it, to reach its HTTPS server on 127.0.0.1. A deployed configuration cannot.
WEBHOOK_ALLOW_LOOPBACK_FOR_TESTS = False
CELERY_BEAT_SCHEDULE["notifications-tick"] = {
    "task": "notifications.tasks.status_updates_tick",
    "schedule": env.float("NOTIFY_TICK_SECONDS", default=60.0),
}
CELERY_BEAT_SCHEDULE["notifications-sweep"] = {
    "task": "notifications.tasks.outbox_sweep",
    # Cheap (two indexed queries when nothing is due) and the floor of recovery time.
    "schedule": env.float("NOTIFY_SWEEP_SECONDS", default=2.0),
}

# --- Card files (import_card) ------------------------------------------------------------
# A card file is a few tens of KB (the seed is ~30 KB); these bounds keep a wrong or hostile
# file from taking memory, CPU or the database down before it is refused.
CARD_IMPORT_MAX_BYTES = env.int("CARD_IMPORT_MAX_BYTES", default=2 * 1024 * 1024)
CARD_IMPORT_MAX_DEPTH = env.int("CARD_IMPORT_MAX_DEPTH", default=20)
CARD_IMPORT_MAX_SECONDS = env.float("CARD_IMPORT_MAX_SECONDS", default=1.5)
# Entries (scenarios, steps, people …; the seed has 122): each is a row or two to write.
CARD_IMPORT_MAX_ENTRIES = env.int("CARD_IMPORT_MAX_ENTRIES", default=1000)

# --- Figures API ----------------------------------------------------------------------------
# Per token, counted in the cache (shared by every gunicorn worker when it is Redis).
FIGURES_API_RATE_LIMIT = env.int("FIGURES_API_RATE_LIMIT", default=60)
FIGURES_API_RATE_WINDOW_SECONDS = env.int("FIGURES_API_RATE_WINDOW_SECONDS", default=60)
# A figure report is a few hundred bytes of JSON.
FIGURES_API_MAX_BODY_BYTES = env.int("FIGURES_API_MAX_BODY_BYTES", default=4096)

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- Sign-in with the municipality's account: OpenID Connect, break-glass, sessions (sso/) ---
# The provider's group / app role / job-function role → the app's role, as JSON, e.g.
# SSO_ROLE_MAP='{"Aktionskort.Koordinator": "Koordinator", "Aktionskort.Redaktoer": "Redaktør"}'
SSO_ROLE_MAP = env.json("SSO_ROLE_MAP", default={})
# Sign-in with the municipality's account (Microsoft Entra ID / AD FS) through
# mozilla-django-oidc. Off until OIDC_DISCOVERY_URL is set: then `make run` is as before.
# Entra ID: https://login.microsoftonline.com/<tenant-id>/v2.0/.well-known/openid-configuration
# AD FS:    https://adfs.example.dk/adfs/.well-known/openid-configuration
OIDC_DISCOVERY_URL = env("OIDC_DISCOVERY_URL", default="")
# The issuer the discovery document and every ID token must name (default: the document's).
OIDC_ISSUER = env("OIDC_ISSUER", default="")
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", default="openid email profile")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_CREATE_USER = True
OIDC_STORE_ACCESS_TOKEN = False
OIDC_STORE_ID_TOKEN = False
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
LOGIN_REDIRECT_URL_FAILURE = "login"
# Connect and read timeouts towards the provider's token, JWKS and userinfo endpoints.
OIDC_TIMEOUT = (3, 10)
# Seconds of clock difference accepted in an ID token's exp/iat.
OIDC_CLOCK_SKEW_SECONDS = env.int("OIDC_CLOCK_SKEW_SECONDS", default=60)
# Claim names: Entra puts app roles in "roles", AD FS groups in "group" or "groups".
OIDC_CLAIM_USERNAME = env("OIDC_CLAIM_USERNAME", default="preferred_username")
OIDC_CLAIM_EMAIL = env("OIDC_CLAIM_EMAIL", default="email")
OIDC_CLAIM_GIVEN_NAME = env("OIDC_CLAIM_GIVEN_NAME", default="given_name")
OIDC_CLAIM_FAMILY_NAME = env("OIDC_CLAIM_FAMILY_NAME", default="family_name")
OIDC_CLAIM_GROUPS = env("OIDC_CLAIM_GROUPS", default="groups")
# The login page asks the provider's discovery document whether it answers; at most 3 s
# (never more, whatever is set), and the answer is kept this many seconds.
OIDC_DISCOVERY_TIMEOUT_SECONDS = min(env.float("OIDC_DISCOVERY_TIMEOUT_SECONDS", default=3.0), 3.0)
OIDC_PROBE_CACHE_SECONDS = env.int("OIDC_PROBE_CACHE_SECONDS", default=30)
# A session ends this long after its login, however active (a long shift): it is not
# extended by use (sso/middleware.py).
SESSION_MAX_AGE_HOURS = env.int("SESSION_MAX_AGE_HOURS", default=14)
SESSION_COOKIE_AGE = SESSION_MAX_AGE_HOURS * 3600
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
    "sso.middleware.SessionLifetimeMiddleware",
)
CELERY_TASK_ROUTES["sso.tasks.emergency_notice_deliver"] = {"queue": "priority"}
CELERY_BEAT_SCHEDULE["sso-emergency-notices-sweep"] = {
    "task": "sso.tasks.emergency_notices_sweep",
    "schedule": env.float("SSO_NOTICE_SWEEP_SECONDS", default=10.0),
}

# --- SAML 2.0 sign-in: KOMBIT Context Handler (sso/saml.py) ---
# Off until the IdP's metadata is given, as a file or a URL; then /sso/saml/login/ starts a
# login and /sso/saml/metadata/ is the SP metadata to register at the IdP (README, "SAML").
SAML_IDP_METADATA_FILE = env("SAML_IDP_METADATA_FILE", default="")
SAML_IDP_METADATA_URL = env("SAML_IDP_METADATA_URL", default="")
# The certificate the metadata at the URL is signed with; checked when given.
SAML_IDP_METADATA_CERT_FILE = env("SAML_IDP_METADATA_CERT_FILE", default="")
SAML_SP_ENTITY_ID = env("SAML_SP_ENTITY_ID", default=f"{SITE_URL.rstrip('/')}/sso/saml/metadata/")
# The SP's own key and certificate (PEM): signs the AuthnRequests, decrypts the assertions.
SAML_SP_KEY_FILE = env("SAML_SP_KEY_FILE", default="")
SAML_SP_CERT_FILE = env("SAML_SP_CERT_FILE", default="")
SAML_XMLSEC_BINARY = env("SAML_XMLSEC_BINARY", default="/usr/bin/xmlsec1")
# Assertions are always required to be signed; the Response around them too if this is on.
SAML_WANT_RESPONSE_SIGNED = env.bool("SAML_WANT_RESPONSE_SIGNED", default=False)
SAML_CLOCK_SKEW_SECONDS = env.int("SAML_CLOCK_SKEW_SECONDS", default=60)
# Attribute names (OIOSAML 3 names, as Context Handler sends them). Lower case: not a setting.
oiosaml = "https://data.gov.dk/model/core/eid/"
SAML_ATTR_USERNAME = env("SAML_ATTR_USERNAME", default=oiosaml + "professional/uuid/persistent")
SAML_ATTR_FIRST_NAME = env("SAML_ATTR_FIRST_NAME", default=oiosaml + "firstName")
SAML_ATTR_LAST_NAME = env("SAML_ATTR_LAST_NAME", default=oiosaml + "lastName")
SAML_ATTR_EMAIL = env("SAML_ATTR_EMAIL", default=oiosaml + "email")
# Job-function roles (a basic privilege profile, or plain values); mapped by SSO_ROLE_MAP.
SAML_ATTR_ROLES = env("SAML_ATTR_ROLES", default=oiosaml + "privilegesIntermediate")
SAML_MAX_ROLES = 200
# djangosaml2's own settings.
SAML_CONFIG_LOADER = "sso.saml.sp_config"
SAML_DEFAULT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_DJANGO_USER_MAIN_ATTRIBUTE = "username"
SAML_CREATE_UNKNOWN_USER = True
SAML_SESSION_COOKIE_NAME = "saml_session"
# The IdP posts the Response cross-site: the SAML session cookie must be SameSite=None.
# Browsers drop a SameSite=None cookie that is not Secure, so plain HTTP gets Lax.
SAML_SESSION_COOKIE_SAMESITE = env(
    "SAML_SESSION_COOKIE_SAMESITE", default="None" if SESSION_COOKIE_SECURE else "Lax"
)
# pysaml2's schema library says "Resource 'XMLSchema.xsd' is already loaded" at every start.
LOGGING.setdefault("loggers", {})["xmlschema"] = {"level": "WARNING"}
# djangosaml2's templates without its app: its tag library would import pysaml2 (~10 MB)
# into every process that renders a template, report-rendering workers included.
saml_package = importlib.util.find_spec("djangosaml2").submodule_search_locations[0]
TEMPLATES[0]["DIRS"].append(Path(saml_package) / "templates")
AUTHENTICATION_BACKENDS.append("sso.saml.SamlBackend")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
    "djangosaml2.middleware.SamlSessionMiddleware",
)

# --- Personal-data access log (audit/) ---
ACCESS_LOG_RETENTION_DAYS = env.int("ACCESS_LOG_RETENTION_DAYS", default=183)
CELERY_BEAT_SCHEDULE["audit-purge"] = {
    "task": "audit.tasks.access_records_purge",
    "schedule": env.float("ACCESS_LOG_PURGE_SECONDS", default=24 * 3600.0),
}
INSTALLED_APPS.append("audit")

# --- Accessibility statement ---
# The municipality publishes it in its own tool (WAS-Tool); the footer links to it.
ACCESSIBILITY_STATEMENT_URL = env("ACCESSIBILITY_STATEMENT_URL", default="")
# --- Exercises, evaluation and card testing (exercises/) ---
# Card health flags a card not tested (closed exercise or incident) for this many months.
CARD_TEST_MAX_MONTHS = env.int("CARD_TEST_MAX_MONTHS", default=12)
# How often beat looks for exercise injects that are due; an inject arrives at most this
# late (plus the dashboard's 5-s poll).
EXERCISE_INJECT_TICK_SECONDS = env.float("EXERCISE_INJECT_TICK_SECONDS", default=10.0)
CELERY_BEAT_SCHEDULE["exercises-injects"] = {
    "task": "exercises.tasks.injects_tick",
    "schedule": EXERCISE_INJECT_TICK_SECONDS,
}
CELERY_TASK_ROUTES["exercises.tasks.injects_tick"] = {"queue": "priority"}
# --- SMS in and alerts to employees (smsin/, alerts/) ---
# GatewayAPI signs its webhooks with a JWT (HS256) in X-Gwapi-Signature using the secret set
# on the webhook in GatewayAPI's dashboard; without it every incoming SMS is refused (403).
GATEWAYAPI_WEBHOOK_SECRET = env("GATEWAYAPI_WEBHOOK_SECRET", default="")
# The number staff text (shown on the dashboard and the PDF card when set), e.g. +45 12 34 56 78.
SMS_INBOUND_NUMBER = env("SMS_INBOUND_NUMBER", default="")
# Per sender, counted in the cache (Redis in production): over the limit, one reply says so.
SMSIN_RATE_LIMIT = env.int("SMSIN_RATE_LIMIT", default=10)
SMSIN_RATE_WINDOW_SECONDS = env.int("SMSIN_RATE_WINDOW_SECONDS", default=60)
# Web Push: the VAPID key pair (urlsafe base64: raw 32-byte private key, 65-byte public
# point), e.g. from `vapid --gen` (py-vapid) or the README's one-liner; subject a mailto:.
VAPID_PUBLIC_KEY = env("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env("VAPID_SUBJECT", default="mailto:aktionskort@example.invalid")
ALERTS_PUSH_TTL_SECONDS = env.int("ALERTS_PUSH_TTL_SECONDS", default=3600)
ALERTS_PUSH_TIMEOUT = env.float("ALERTS_PUSH_TIMEOUT", default=10.0)
# Longer than any channel's timeout (SMS_TIMEOUT, EMAIL_TIMEOUT, ALERTS_PUSH_TIMEOUT), so a
# live attempt is never taken over and no lease keeper is needed.
ALERTS_LEASE_SECONDS = env.int("ALERTS_LEASE_SECONDS", default=30)
ALERTS_SWEEP_AFTER_SECONDS = env.int("ALERTS_SWEEP_AFTER_SECONDS", default=8)
CELERY_BEAT_SCHEDULE["alerts-sweep"] = {
    "task": "alerts.tasks.deliveries_sweep",
    "schedule": env.float("ALERTS_SWEEP_SECONDS", default=3.0),
}
# --- Live dashboard under load (issue 12) ---
# Sessions read from the cache (Redis when REDIS_URL is set), written through to
# PostgreSQL: a poll's session costs a Redis GET instead of a query. A cache miss or a
# Redis that is down reads the database. Ending sessions (core/accounts.py) deletes both.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
