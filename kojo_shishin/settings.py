"""Settings for kojo_shishin, read from the environment (see README)."""

import datetime
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from .env import env_bool, env_int, env_list, env_str, require

BASE_DIR = Path(__file__).resolve().parent.parent

# Secure by default: a deployment that forgets DJANGO_DEBUG runs as production
# and must then bring its own secret key and host names.
DEBUG = env_bool("DJANGO_DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-development-key-do-not-use-in-production")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
else:
    SECRET_KEY = require(
        "DJANGO_SECRET_KEY",
        env_str("DJANGO_SECRET_KEY"),
        "本番モード（DJANGO_DEBUG=false）では秘密鍵が必須です。",
    )
    ALLOWED_HOSTS = require(
        "DJANGO_ALLOWED_HOSTS",
        env_list("DJANGO_ALLOWED_HOSTS", []),
        "本番モード（DJANGO_DEBUG=false）では公開するホスト名をカンマ区切りで指定してください。",
    )

INSTALLED_APPS = [
    "kojo_shishin.admin_app.AdminConfig",  # the admin, its modules loaded with the URLconf
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "import_export",
    "simple_history",
    "kojo_shishin",  # project-wide management commands (backup, restore)
    "departments",
    "goals",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kojo_shishin.middleware.RequestSizeLimitMiddleware",
    # Static files straight from the app process: no separate web server is needed on a closed network.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so that only the app's own responses (pages, downloads) are never cached.
    "kojo_shishin.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before LoginRequiredMiddleware: keeps a form posted after the session expired.
    "goals.middleware.KeepPostAcrossLoginMiddleware",
    # Every page needs a signed-in user unless a view is marked login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that it sees the failed sign-ins the views report.
    "axes.middleware.AxesMiddleware",
    # Downloads, imports, staff and admin changes into the access log (sign-ins come from signals).
    "audit.middleware.AccessLogMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Sign-in with the office directory (LDAP / Active Directory), on when a server is named
# (kojo_shishin/directory.py, README). Tried before local passwords; local accounts still work.
if env_str("DJANGO_LDAP_SERVER_URI"):
    from .directory import directory_settings

    globals().update(directory_settings())
    AUTHENTICATION_BACKENDS.insert(1, "kojo_shishin.directory.DirectoryBackend")
# Single sign-on through a trusted proxy's header (e.g. HTTP_X_REMOTE_USER); off by default.
REMOTE_USER_HEADER = env_str("DJANGO_REMOTE_USER_HEADER")
if REMOTE_USER_HEADER:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "kojo_shishin.directory.TrustedHeaderMiddleware",
    )
    AUTHENTICATION_BACKENDS.append("kojo_shishin.directory.TrustedHeaderBackend")

ROOT_URLCONF = "kojo_shishin.urls"

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
                "goals.context_processors.results_deadlines",
            ],
        },
    },
]

WSGI_APPLICATION = "kojo_shishin.wsgi.application"


def _database(url: str | None) -> dict:
    if url:
        # Persistent connections, checked before reuse: after a database restart or a dropped
        # connection the next request reconnects instead of failing.
        db = dj_database_url.parse(
            url, conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 600), conn_health_checks=True
        )
    else:
        db = {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work while one writer commits; IMMEDIATE takes the
        # write lock at BEGIN so two savers queue on the busy timeout instead of
        # failing with "database is locked" when a read lock is upgraded.
        db.setdefault("OPTIONS", {}).update(
            {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
        db["CONN_MAX_AGE"] = 0
    elif db["ENGINE"] == "django.db.backends.postgresql":
        # Parameters sent apart from the SQL (psycopg's server-side binding), so that a query a
        # connection runs again is prepared and PostgreSQL plans it once per connection, not on
        # every request: under `make load` PostgreSQL spent five times longer planning the pages'
        # permission lookups (several joins and subqueries) than running them.
        db.setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
    return db


DATABASES = {"default": _database(env_str("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
# Japanese names for the libraries that ship none (django-axes in the admin).
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# In development and tests WhiteNoise serves straight from the source folders.
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "kojo-shishin@localhost")
# The address people open from links in mails (notifications, reminders).
SITE_URL = env_str("DJANGO_SITE_URL", "http://127.0.0.1:8000")
# The section that signs the app's mail after the ward's office name (幸区役所 総務課).
KOJO_MAIL_SENDER_SECTION = env_str("DJANGO_MAIL_SENDER_SECTION", "総務課")
# The daily reminder run reminds a department's 承認者 of a report waiting this many days in 承認待ち.
KOJO_APPROVAL_REMINDER_DAYS = env_int("DJANGO_APPROVAL_REMINDER_DAYS", 3)

# Reasons for reopening a sheet or closing it with unconfirmed departments are kept in full.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# django-import-export: run each admin import in one transaction.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# PDFs for web requests are drawn in a low-priority helper process (goals/sheet/pdf_helper.py).
PDF_HELPER_PROCESS = env_bool("DJANGO_PDF_HELPER_PROCESS", default=not DEBUG)
PDF_TIMEOUT_SECONDS = env_int("DJANGO_PDF_TIMEOUT", 50)
# The sheet's PDF: "pdf/ua-1" (tagged, for handing out and publishing) or "pdf/a-3a" (tagged and
# archival, for the record); goals/sheet/pdf.py lists them, and a download may ask for the other.
SHEET_PDF_VARIANT = env_str("DJANGO_SHEET_PDF_VARIANT", "pdf/ua-1")
# Finished PDFs and workbooks are kept in the database (every app server shares it) under the hash
# of everything drawn into them, up to this many bytes in all; the least recently used go first
# (goals/sheet/documents.py). 0 keeps none.
SHEET_DOCUMENT_CACHE_BYTES = env_int("DJANGO_SHEET_DOCUMENT_CACHE_MB", 256) * 1024 * 1024
# The same table and budget through Django's cache API, for parts of documents.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "documents": {"BACKEND": "goals.sheet.documents.DocumentCache"},
}

# --- Sessions, sign-in protection, headers -------------------------------------------------

# A working day of inactivity (8:30–17:15 plus margin); every request renews it.
SESSION_COOKIE_AGE = 9 * 60 * 60
SESSION_SAVE_EVERY_REQUEST = True

# django-axes: lock an account on one client after repeated failures. The
# message is the same whether or not the account exists (no user enumeration).
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

# Every byte the app serves comes from itself: no CDN, no inline script or style.
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
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Uploads (workbooks) are at most 10 MB; the request as a whole gets a little room for the form.
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
REQUEST_MAX_BYTES = UPLOAD_MAX_BYTES + 512 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- HTTPS ---------------------------------------------------------------------------------
# Production serves over HTTPS, usually behind a proxy that terminates TLS and sets
# X-Forwarded-Proto. DJANGO_HTTPS=false is for a closed network without TLS (or a load test).
HTTPS = env_bool("DJANGO_HTTPS", default=not DEBUG)
if env_bool("DJANGO_BEHIND_PROXY", default=False):
    # Trust the proxy's headers only when told a proxy is in front: anyone could send them.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
    # The sign-in lockout counts per client: the client is the last address in X-Forwarded-For,
    # the one our proxy appended (what came before it the client wrote itself); REMOTE_ADDR is the proxy.
    AXES_IPWARE_PROXY_COUNT = 0
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    IPWARE_STRICT = False
else:
    # Without a proxy any client could write X-Forwarded-For: only the connection's address counts.
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# The browsers' preload list is for public domains; a ward office's intranet host cannot be on it.
SECURE_HSTS_PRELOAD = False
SILENCED_SYSTEM_CHECKS = ["security.W021"]
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Workbook imports (goals/imports/reader.py). An upload larger than the limit is
# dropped while it streams in (goals/imports/uploads.py), never kept in memory or on disk;
# RequestSizeLimitMiddleware already refuses requests far beyond it.
IMPORT_MAX_UPLOAD_BYTES = UPLOAD_MAX_BYTES
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("DJANGO_IMPORT_MAX_UNCOMPRESSED_MB", 50) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_UPLOAD_BYTES
FILE_UPLOAD_HANDLERS = [
    "goals.imports.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# An uploaded workbook or roster waits between preview and confirm in the database
# (goals.models.StagedUpload), so any app server may answer either request, for this long.
IMPORT_PREVIEW_SECONDS = env_int("DJANGO_IMPORT_PREVIEW_SECONDS", 3600)

# --- Logs ----------------------------------------------------------------------------------
# Everything to standard error (gunicorn and systemd/journald keep it): time, level, request
# path, user id and, for a 500, the traceback. DJANGO_ADMINS (comma-separated addresses) also
# get each 500 by mail.
ADMINS = [(address, address) for address in env_list("DJANGO_ADMINS", [])]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "kojo_shishin.log.RequestContextFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "operator": {
            "format": "%(asctime)s %(levelname)s %(name)s [path=%(request_path)s user=%(user_id)s] %(message)s",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        }
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["request_context"],
            "formatter": "operator",
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["stderr"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["stderr", "mail_admins"], "level": "INFO", "propagate": False},
        # Every request's SQL at DEBUG would drown the log even when DJANGO_LOG_LEVEL=DEBUG.
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint reports each drawing step at INFO: noise for an operator, every PDF.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
# The access log (audit/): kept this many days, then removed by `manage.py purge_access_log` (daily).
ACCESS_LOG_RETENTION_DAYS = env_int("DJANGO_ACCESS_LOG_RETENTION_DAYS", 3 * 365)
