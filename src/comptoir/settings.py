"""One settings module, driven by environment variables.

Every value has a safe default for a local, single-machine run (SQLite under
``var/``); production sets ``DATABASE_URL``, ``SECRET_KEY``, ``ALLOWED_HOSTS``
and friends in the environment. ``DEBUG`` is off unless asked for.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("COMPTOIR_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        # O_EXCL: two processes starting together must agree on one key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django_htmx",
    "django_prose_editor",
    "django_tasks_db",
    "crontask",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.google",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "comptoir.core",
    "comptoir.accounts",
    "comptoir.tickets",
    "comptoir.portal",
    "comptoir.kb",
    "comptoir.search",
    "comptoir.mail",
    "comptoir.sla",
    "comptoir.desk",
    "comptoir.reports",
    "comptoir.api",
    "comptoir.contracts",
    "comptoir.integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "comptoir.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "comptoir.urls"
WSGI_APPLICATION = "comptoir.wsgi.application"

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
                "comptoir.accounts.context_processors.accounts",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'comptoir.sqlite3'}")
if DATABASE_URL.startswith("sqlite"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while a writer commits; IMMEDIATE makes
        # writers queue on the lock instead of failing mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Several web machines share one cache (API rate limits, cached pages and
# counts) and read sessions from it: REDIS_URL=redis://host:6379/1. Without
# it, each process keeps its own memory cache and sessions live in the database.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("COMPTOIR_CACHE_PREFIX", "comptoir"),
        }
    }
    # Written to the database and the cache, read from the cache.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

SITE_ID = 1
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_ADAPTER = "comptoir.accounts.adapter.AccountAdapter"
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
COMPTOIR_SIGNUP_OPEN = env_bool("COMPTOIR_SIGNUP_OPEN")
# A new address is used only once verified; then it replaces the old one.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Activation links mailed to people the support team creates stay valid this long.
COMPTOIR_ACTIVATION_HOURS = int(os.environ.get("COMPTOIR_ACTIVATION_HOURS", "72"))
# "Add people to the conversation" accepts any address (creating a contact), not
# only members of the requester's organisation.
COMPTOIR_CC_ANY_ADDRESS = env_bool("COMPTOIR_CC_ANY_ADDRESS")

# Google and OpenID Connect logins: configured in the admin (Social applications)
# or here from the environment. A verified address that matches an existing
# customer logs into that account; sign-up through them follows COMPTOIR_SIGNUP_OPEN.
SOCIALACCOUNT_ADAPTER = "comptoir.accounts.adapter.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, object]] = {
    "google": {"SCOPE": ["openid", "profile", "email"], "OAUTH_PKCE_ENABLED": True},
    "openid_connect": {"OAUTH_PKCE_ENABLED": True},
}
if os.environ.get("COMPTOIR_GOOGLE_CLIENT_ID"):
    SOCIALACCOUNT_PROVIDERS["google"]["APPS"] = [
        {
            "client_id": os.environ["COMPTOIR_GOOGLE_CLIENT_ID"],
            "secret": os.environ.get("COMPTOIR_GOOGLE_CLIENT_SECRET", ""),
        }
    ]
if os.environ.get("COMPTOIR_OIDC_CLIENT_ID"):
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] = [
        {
            "provider_id": os.environ.get("COMPTOIR_OIDC_PROVIDER_ID", "sso"),
            "name": os.environ.get("COMPTOIR_OIDC_NAME", "Single sign-on"),
            "client_id": os.environ["COMPTOIR_OIDC_CLIENT_ID"],
            "secret": os.environ.get("COMPTOIR_OIDC_CLIENT_SECRET", ""),
            "settings": {"server_url": os.environ.get("COMPTOIR_OIDC_SERVER_URL", "")},
        }
    ]

LANGUAGE_CODE = "en"
LANGUAGES = [("fr", _("French")), ("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Attachments are served by a permission-checked view only; never by URL.
MEDIA_URL = "/media-not-served/"
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("COMPTOIR_PLAIN_STATIC")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Attachments, raw mail, KB files and exports on S3-compatible object storage
# (a private bucket: files are only ever served through permission-checked views).
COMPTOIR_S3_BUCKET = os.environ.get("COMPTOIR_S3_BUCKET", "")
if COMPTOIR_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": COMPTOIR_S3_BUCKET,
            # Empty values fall back to boto3's own (AWS_* variables, instance roles).
            "endpoint_url": os.environ.get("COMPTOIR_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("COMPTOIR_S3_REGION") or None,
            "access_key": os.environ.get("COMPTOIR_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("COMPTOIR_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("COMPTOIR_S3_PREFIX", ""),
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
WHITENOISE_USE_FINDERS = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 40 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
COMPTOIR_MAX_ATTACHMENT_BYTES = (
    int(os.environ.get("COMPTOIR_MAX_ATTACHMENT_MB", "20")) * 1024 * 1024
)

_SMTP_HOST = os.environ.get("EMAIL_HOST", "")
MAILERS = {
    "default": {
        # Without an SMTP host, mail is printed by the server (local demo).
        "BACKEND": os.environ.get(
            "EMAIL_BACKEND",
            "django.core.mail.backends.smtp.EmailBackend"
            if _SMTP_HOST
            else "django.core.mail.backends.console.EmailBackend",
        ),
        "OPTIONS": {
            "host": _SMTP_HOST,
            "port": int(os.environ.get("EMAIL_PORT", "587")),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", True),
        }
        if _SMTP_HOST
        else {},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "support@comptoir.localhost")

# Seconds a process keeps the configuration rows every ticket change reads
# (statuses, SLA policies, webhooks, mail settings); 0 reads them every time.
COMPTOIR_CONFIG_CACHE_SECONDS = float(os.environ.get("COMPTOIR_CONFIG_CACHE_SECONDS", "5"))

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# REST API (api app). Rate limits count in the default cache: with several web
# processes, point CACHES at a shared cache (Redis) so they share one budget.
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "comptoir.api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "comptoir.api.negotiation.JsonWhateverAccepted",
    "DEFAULT_PAGINATION_CLASS": "comptoir.api.pagination.ApiCursorPagination",
    "DEFAULT_THROTTLE_CLASSES": ["comptoir.api.auth.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": os.environ.get("COMPTOIR_API_RATE", "120/min")},
    "DEFAULT_SCHEMA_CLASS": "comptoir.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "comptoir.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Comptoir API",
    "DESCRIPTION": "Tickets, messages, files, knowledge base, search and directory.",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No outside validator badge: the documentation pages call nothing but us.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "TicketCategoryEnum": "comptoir.tickets.models.Category",
        "ArticleStatusEnum": "comptoir.kb.models.ArticleStatus",
        "ArticleVisibilityEnum": "comptoir.kb.models.Visibility",
        "LanguageEnum": "comptoir.kb.models.LANGUAGE_CHOICES",
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Behind a reverse proxy or load balancer that sets X-Forwarded-Proto,
# X-Forwarded-Host and X-Forwarded-For (and strips them from clients). Only then
# are those headers believed, and the rate limits (login, API) count per address
# from X-Forwarded-For: COMPTOIR_PROXY_COUNT proxies of ours append to it.
COMPTOIR_BEHIND_PROXY = env_bool("COMPTOIR_BEHIND_PROXY")
if COMPTOIR_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
ALLAUTH_TRUSTED_PROXY_COUNT = (
    int(os.environ.get("COMPTOIR_PROXY_COUNT", "1")) if COMPTOIR_BEHIND_PROXY else 0
)
REST_FRAMEWORK["NUM_PROXIES"] = ALLAUTH_TRUSTED_PROXY_COUNT

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Emails are unique case-insensitively through a constraint on Lower(email)
# (accounts.User.Meta), which this check cannot see.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
