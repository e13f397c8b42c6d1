"""Sahay's one settings module: every value comes from the environment, with safe defaults.

`SAHAY_PROFILE=production` turns on the production profile: no fallback secret, secure cookies, HSTS.
Without it, Sahay runs as a development install on SQLite under `var/`.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("SAHAY_VAR_DIR", BASE_DIR.parent / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("SAHAY_PROFILE", "development") == "production"

if PRODUCTION:
    SECRET_KEY = os.environ.get("SAHAY_SECRET_KEY", "")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SAHAY_SECRET_KEY must be set to at least 50 random characters.")
    DEBUG = False
else:
    # A development key is generated per checkout, never committed and never used in production.
    SECRET_KEY = os.environ.get("SAHAY_SECRET_KEY", "")
    if not SECRET_KEY:
        key_file = VAR_DIR / "dev-secret-key"
        if not key_file.exists():
            from django.core.management.utils import get_random_secret_key

            VAR_DIR.mkdir(parents=True, exist_ok=True)
            key_file.write_text(get_random_secret_key() + get_random_secret_key())
        SECRET_KEY = key_file.read_text().strip()
    DEBUG = env_bool("SAHAY_DEBUG", default=False)

# Keys for the encrypted fields (names, contacts, addresses): Fernet keys, newest first, so a rotation
# can read old values while writing new ones. Production must set them; development makes one under var/.
SAHAY_ENCRYPTION_KEYS = env_list("SAHAY_ENCRYPTION_KEYS")
if not SAHAY_ENCRYPTION_KEYS:
    if PRODUCTION:
        raise ImproperlyConfigured("SAHAY_ENCRYPTION_KEYS must be set (Fernet keys, comma-separated, newest first).")
    encryption_key_file = VAR_DIR / "dev-encryption-key"
    if not encryption_key_file.exists():
        from cryptography.fernet import Fernet

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        encryption_key_file.write_text(Fernet.generate_key().decode())
    SAHAY_ENCRYPTION_KEYS = [encryption_key_file.read_text().strip()]

# Keys of the audit chain's HMAC (sahay.audit.chain), kept out of the database so that write access to it
# is not enough to rewrite the trail: newest first; new entries use the first, old entries verify with the
# key whose id they carry, so a retired key stays listed. Production must set them; development makes one.
SAHAY_AUDIT_KEYS = env_list("SAHAY_AUDIT_KEYS")
if not SAHAY_AUDIT_KEYS:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SAHAY_AUDIT_KEYS must be set (`sahay audit generate-key`, comma-separated, newest first)."
        )
    audit_key_file = VAR_DIR / "dev-audit-key"
    if not audit_key_file.exists():
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        audit_key_file.write_text(secrets.token_urlsafe(32))
    SAHAY_AUDIT_KEYS = [audit_key_file.read_text().strip()]
if any(len(key) < 32 for key in SAHAY_AUDIT_KEYS):
    raise ImproperlyConfigured("Each key of SAHAY_AUDIT_KEYS must be at least 32 random characters.")

# How long identities and case narratives are kept (`sahay retention apply` erases what is past them):
# a closed case's narratives and its child's identity N years after closing; the identity of someone
# without a case N years after their last record. De-identified records that figures count stay.
SAHAY_RETENTION = {
    "case_identity_years_after_closure": int(os.environ.get("SAHAY_RETENTION_CASE_YEARS", "7")),
    "person_identity_years_after_last_record": int(os.environ.get("SAHAY_RETENTION_PERSON_YEARS", "10")),
}

ALLOWED_HOSTS = env_list("SAHAY_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("SAHAY_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "sahay.core",
    "sahay.accounts",
    "sahay.audit",
    "sahay.frameworks",
    "sahay.records",
    "sahay.cases",
    "sahay.figures",
    "sahay.reports",
    "sahay.exports",
    "sahay.imports",
    "sahay.jobs",
    "sahay.demo",
    "sahay.api",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    # First, so that every answer (redirects included) and every log line of a request carries its id.
    "sahay.core.request_ids.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Issue 15, item 11 (goal 25): every answer after the static files is `no-store`, redirects and refusals too.
    "sahay.core.caching.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sahay.accounts.session_middleware.SessionLifetimeMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After the password, every page but the steps towards it needs the second factor (TOTP or a recovery code).
    "sahay.accounts.middleware.SecondFactorRequired",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "sahay.urls"
WSGI_APPLICATION = "sahay.wsgi.application"

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
                "sahay.core.context_processors.site",
                "sahay.accounts.sessions.session_timing",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'sahay.sqlite3'}"),
        conn_max_age=int(os.environ.get("SAHAY_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing at once; WAL lets readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    # Writers take the lock when their transaction begins, so appends to the audit chain are serialised.
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # Tests run on a file too (one per test process), so that concurrent connections behave as in use:
    # an in-memory database shared between threads refuses a second writer instead of making it wait.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-sahay-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["sahay.accounts.backends.RoleBackend"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # Tens of thousands of passwords from a public breach, shipped with Sahay (sahay/accounts/data).
    {"NAME": "sahay.accounts.validators.BreachedPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in lock: this many failed sign-ins (password or second factor) within the window lock the user
# name, and separately the client's address; while locked even the right password is refused.
SAHAY_SIGN_IN_LOCK_MINUTES = int(os.environ.get("SAHAY_SIGN_IN_LOCK_MINUTES", "15"))
SAHAY_SIGN_IN_MAX_FAILURES = int(os.environ.get("SAHAY_SIGN_IN_MAX_FAILURES", "5"))
SAHAY_SIGN_IN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("SAHAY_SIGN_IN_MAX_FAILURES_PER_ADDRESS", "5"))
# The second factor: the name authenticator apps show for Sahay's codes.
OTP_TOTP_ISSUER = "Sahay"
# How many reverse proxies in front of Sahay add to X-Forwarded-For; 0 believes only REMOTE_ADDR.
SAHAY_TRUSTED_PROXIES = int(os.environ.get("SAHAY_TRUSTED_PROXIES", "0"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["sahay.formats"]
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("SAHAY_STATIC_ROOT", VAR_DIR / "static"))
# Development serves assets straight from the apps; production serves the collected, hashed copies.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
# Source maps (of the API documentation page's scripts) are for developers: compressing them only slows collectstatic.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Sessions: short-lived, never readable from scripts.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Enforced by sahay.accounts.session_middleware: signed out after this long idle, and this long in all.
SAHAY_SESSION_IDLE_MINUTES = float(os.environ.get("SAHAY_SESSION_IDLE_MINUTES", "15"))
SAHAY_SESSION_MAX_HOURS = float(os.environ.get("SAHAY_SESSION_MAX_HOURS", "8"))
# How long before the idle limit the page offers to stay signed in.
SAHAY_SESSION_WARNING_SECONDS = float(os.environ.get("SAHAY_SESSION_WARNING_SECONDS", "60"))
# Password-reset links go out by email; the console backend prints them until a server is configured.
EMAIL_BACKEND = os.environ.get("SAHAY_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("SAHAY_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("SAHAY_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("SAHAY_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SAHAY_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("SAHAY_EMAIL_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("SAHAY_EMAIL_FROM", "sahay@localhost")
# Links that let someone set a password (issue 15, item 17): a reset link lives an hour, an invitation
# (a new account's first sign-in) a day; both work once. Production refuses a mail backend that
# delivers nothing (sahay.accounts.checks).
PASSWORD_RESET_TIMEOUT = int(float(os.environ.get("SAHAY_PASSWORD_RESET_MINUTES", "60")) * 60)
SAHAY_INVITATION_HOURS = float(os.environ.get("SAHAY_INVITATION_HOURS", "24"))
# A refused form post is audited like every other refusal.
CSRF_FAILURE_VIEW = "sahay.audit.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SAHAY_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Every asset comes from Sahay itself: the browser is told to load nothing from another host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Logs: one JSON object a line in production (SAHAY_LOG_FORMAT=json), plain text in development; each line
# carries its request's id, never a query string, a request body or SQL parameters (sahay.core.request_ids).
SAHAY_LOG_FORMAT = os.environ.get("SAHAY_LOG_FORMAT", "json" if PRODUCTION else "text")
if SAHAY_LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("SAHAY_LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "sahay.core.request_ids.RequestIdFilter"},
        "no_request_details": {"()": "sahay.core.request_ids.NoRequestDetailsFilter"},
    },
    "formatters": {
        "json": {"()": "sahay.core.request_ids.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": SAHAY_LOG_FORMAT,
            "filters": ["request_id", "no_request_details"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("SAHAY_LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools narrate every step of a PDF at INFO: only their warnings are worth reading.
    # SQL with its parameters (people's codes among them) is never logged, whatever SAHAY_LOG_LEVEL says.
    "loggers": {
        **{name: {"level": "WARNING"} for name in ("weasyprint", "weasyprint.progress", "fontTools", "matplotlib")},
        "django.db.backends": {"level": "INFO"},
        # Named so that Django's own handlers (which print runserver's request lines, query strings and all) go.
        "django": {"level": "INFO"},
        "django.server": {"level": "INFO", "propagate": True},
    },
}

# Background work: Celery workers when a broker is configured (Redis or RabbitMQ), else a thread of the web process.
SAHAY_BROKER_URL = os.environ.get("SAHAY_BROKER_URL", "")
# Run background work at once, in the caller: for tests, and for a one-off command.
SAHAY_JOBS_INLINE = os.environ.get("SAHAY_JOBS_INLINE", "") == "1"
# Time limits per kind of job in seconds, over the defaults declared with each kind: "import=900,report=600".
SAHAY_JOB_TIME_LIMITS = os.environ.get("SAHAY_JOB_TIME_LIMITS", "")

# Imports: the limits that bound an import's time and memory whatever the file holds (sahay/imports/limits.py).
# The largest file; the most rows, counted as the sheet numbers them (empty rows too); the most columns a row
# and characters a cell may have; for a workbook, the most it may unpack to and the most shared strings (texts
# of its cells) it may hold, in number and in unpacked size.
SAHAY_IMPORT_MAX_BYTES = int(os.environ.get("SAHAY_IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
SAHAY_IMPORT_MAX_ROWS = int(os.environ.get("SAHAY_IMPORT_MAX_ROWS", "200000"))
SAHAY_IMPORT_MAX_COLUMNS = int(os.environ.get("SAHAY_IMPORT_MAX_COLUMNS", "200"))
SAHAY_IMPORT_MAX_CELL_CHARS = int(os.environ.get("SAHAY_IMPORT_MAX_CELL_CHARS", "10000"))
SAHAY_IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("SAHAY_IMPORT_MAX_UNPACKED_BYTES", str(160 * 1024 * 1024)))
SAHAY_IMPORT_MAX_SHARED_STRINGS = int(os.environ.get("SAHAY_IMPORT_MAX_SHARED_STRINGS", "1000000"))
SAHAY_IMPORT_MAX_SHARED_STRINGS_BYTES = int(
    os.environ.get("SAHAY_IMPORT_MAX_SHARED_STRINGS_BYTES", str(64 * 1024 * 1024))
)

# Where the default results framework ships; `sahay demo` loads it.
SAHAY_DEFAULT_FRAMEWORK = BASE_DIR / "frameworks" / "data" / "default.yaml"

# Case management: how long an emergency access (break the glass) lasts, how large a case document may be.
SAHAY_BREAK_GLASS_MINUTES = int(os.environ.get("SAHAY_BREAK_GLASS_MINUTES", "180"))
SAHAY_ATTACHMENT_MAX_BYTES = int(os.environ.get("SAHAY_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))

# The REST API (sahay.api): tokens or a verified session, the pages' rights and scope, JSON errors.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sahay.api.authentication.BearerTokenAuthentication",
        "sahay.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["sahay.api.permissions.ApiAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["sahay.api.throttling.PerTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": os.environ.get("SAHAY_API_RATE", "600/minute")},
    "DEFAULT_PAGINATION_CLASS": "sahay.api.pagination.Pages",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "sahay.api.parsers.JSONBodyParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "sahay.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sahay API",
    "DESCRIPTION": (
        "Records, figures, reports and cases of a child-protection programme, under the same rights and scope "
        "as Sahay's pages. Authenticate with a personal token: `Authorization: Bearer sahay_…`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    "ENUM_NAME_OVERRIDES": {},
}
SAHAY_DHIS2_MAPPING = os.environ.get("SAHAY_DHIS2_MAPPING", "")
