"""The workbench project: xblock-sdk's workbench plus zoom-xblock loaded the way the LMS loads it.

Plugin apps, settings, URLs and signal receivers come through edx-django-utils' own plugin
API (``get_plugin_apps``, ``add_plugins``, ``get_plugin_url_patterns``,
``connect_plugin_receivers``), from the package's entry points, exactly as in the LMS.

Two tiers, chosen by ``ZOOM_XBLOCK_TEST_TIER``:
- ``default``: SQLite and eager Celery; runs anywhere.
- ``services``: MariaDB (``ZOOM_XBLOCK_DB_*``, default 127.0.0.1:3306 root), Redis
  (``ZOOM_XBLOCK_REDIS_URL``, default redis://127.0.0.1:6379/) as Celery broker and cache,
  and a real Celery worker process.
"""
import os
import sys
from pathlib import Path

# The platform modules that real packages import by their upstream path (edx-completion's
# receiver wiring); see tests/project/upstream/README.md.
sys.path.insert(0, str(Path(__file__).resolve().parent / "upstream"))

from edx_django_utils.plugins import add_plugins, get_plugin_apps  # noqa: E402  pylint: disable=wrong-import-position
from workbench.settings import *  # noqa: F401,F403,E402  pylint: disable=wildcard-import,unused-wildcard-import,wrong-import-position
from workbench.settings import INSTALLED_APPS as WORKBENCH_APPS  # noqa: E402  pylint: disable=wrong-import-position
from workbench.settings import MIDDLEWARE as WORKBENCH_MIDDLEWARE  # noqa: E402  pylint: disable=wrong-import-position
from workbench.settings import TEMPLATES as WORKBENCH_TEMPLATES  # noqa: E402  pylint: disable=wrong-import-position

from tests.project.derived import Derived, derive_settings  # noqa: E402  pylint: disable=wrong-import-position

PROJECT = "lms.djangoapp"
TIER = os.environ.get("ZOOM_XBLOCK_TEST_TIER", "default")
SERVICES = TIER == "services"
VAR_DIR = Path(os.environ.get("ZOOM_XBLOCK_VAR_DIR", Path(__file__).resolve().parents[2] / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("ZOOM_XBLOCK_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "zoom-xblock-workbench-not-secret")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "tests.project.urls"
LMS_ROOT_URL = os.environ.get("LMS_ROOT_URL", "http://127.0.0.1:8000")
# The platform door answered by the stand-in (docs/settings.md).
ZOOM_XBLOCK_PLATFORM_BACKEND = "tests.standin.backend.StandInPlatform"
LOGIN_URL = "/accounts/login/"
# As the LMS (lms/envs/common.py: EdxRateLimitedAllowAllUsersModelBackend, an
# AllowAllUsersModelBackend): accounts whose e-mail is not verified yet (is_active False) are
# signed in all the same, so the plugin must not take "signed in" for "verified".
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.AllowAllUsersModelBackend"]
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGES = [("en", "English"), ("es", "Español"), ("fr", "Français")]
LANGUAGE_CODE = "en"
# As in the LMS (openedx/envs/common.py ``LOCALE_PATHS = Derived(_make_locale_paths)``): still a
# Derived object while the plugins' COMMON settings run, a list after derive_settings() below.
# The plugin adds nothing to it. Only `make extract_translations` (ZOOM_XBLOCK_I18N_TOOLING=1)
# names translations/, for Django's makemessages to know where the plugin's sources live.
LOCALE_PATHS = Derived(lambda settings: (
    [str(Path(__file__).resolve().parents[2] / "translations")]
    if os.environ.get("ZOOM_XBLOCK_I18N_TOOLING") == "1" else []))

INSTALLED_APPS = [
    *(app for app in WORKBENCH_APPS if app != "djpyfs"),
    "waffle",  # the LMS's feature switches (edx-completion's completion tracking switch)
    "eventtracking.django.apps.EventTrackingConfig",  # completion's tracking log, as in the LMS
    "tests.standin",  # the platform stand-in (app label zoom_standalone)
    "edx_ace",
    "tests.project.apps.WorkbenchProjectConfig",
    # The plugins installed in this environment, by their entry points, as in the LMS: the
    # plugin itself and edx-completion (``completion``), whose CompletionService and
    # scorable_block_completion receiver decide completion here as they do there.
    *get_plugin_apps(PROJECT),
]
# Tutor's LMS init job turns completion tracking on (``waffle_switch --create
# completion.enable_completion_tracking on``, tutor/templates/jobs/init/lms.sh); the workbench
# does the same for every switch nobody created. A test that needs it off creates it off.
WAFFLE_SWITCH_DEFAULT = True
# The LMS's event-tracking (lms/envs/common.py EVENT_TRACKING_*), with no backend: the events
# edx-completion emits go nowhere.
EVENT_TRACKING_ENABLED = True
EVENT_TRACKING_BACKENDS = {}
EVENT_TRACKING_PROCESSORS = []
MIDDLEWARE = [
    WORKBENCH_MIDDLEWARE[0],
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    *WORKBENCH_MIDDLEWARE[2:],
]
TEMPLATES = [
    {**WORKBENCH_TEMPLATES[0],
     # The package's templates: in the LMS, Django's app_directories loader finds them inside
     # the installed package (zoom_xblock/templates/), which edx-ace's renderer needs.
     "DIRS": [*WORKBENCH_TEMPLATES[0]["DIRS"], str(Path(__file__).parent / "templates"),
              str(Path(__file__).resolve().parents[2] / "templates")]},
]
WORKBENCH = {
    "reset_state_on_restart": False,
    "services": {
        "settings": "workbench.services.SettingsService",
    },
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"zoom_xblock": {"handlers": ["console"], "level": "INFO"}},
}

if SERVICES:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.mysql",
            "NAME": os.environ.get("ZOOM_XBLOCK_DB_NAME", "zoom_xblock"),
            "USER": os.environ.get("ZOOM_XBLOCK_DB_USER", "root"),
            "PASSWORD": os.environ.get("ZOOM_XBLOCK_DB_PASSWORD", ""),
            "HOST": os.environ.get("ZOOM_XBLOCK_DB_HOST", "127.0.0.1"),
            "PORT": os.environ.get("ZOOM_XBLOCK_DB_PORT", "3306"),
            "OPTIONS": {"charset": "utf8mb4"},
            "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
        }
    }
    REDIS_URL = os.environ.get("ZOOM_XBLOCK_REDIS_URL", "redis://127.0.0.1:6379/")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL + "1",
            "KEY_PREFIX": os.environ.get("ZOOM_XBLOCK_CACHE_PREFIX", "zoomtest"),
        }
    }
    BROKER_URL = REDIS_URL + "2"
    CELERY_TASK_ALWAYS_EAGER = False
    # How long before a task a killed worker had taken is handed to another worker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(os.environ.get("ZOOM_XBLOCK_VISIBILITY_TIMEOUT", "3600"))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / os.environ.get("ZOOM_XBLOCK_SQLITE", "workbench.sqlite3")),
            "TEST": {"NAME": None},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = os.environ.get("ZOOM_XBLOCK_EAGER", "1") == "1"

# Every request in one transaction, as the LMS and Studio run under Tutor
# (tutor/templates/apps/openedx/config/partials/auth.yml: DATABASES.default.ATOMIC_REQUESTS),
# on the MariaDB stack. SQLite locks whole tables, so there a request holding a transaction
# blocks the workers: the SQLite workbench stays in autocommit.
if SERVICES:
    DATABASES["default"]["ATOMIC_REQUESTS"] = True

if os.environ.get("ZOOM_XBLOCK_DEMO") == "1":
    # `make demo`: a real worker next to the web server. Redis when it runs here, otherwise
    # kombu's filesystem transport and a file cache, so a fresh machine needs no server.
    CELERY_TASK_ALWAYS_EAGER = False
    BROKER_URL = os.environ["ZOOM_XBLOCK_BROKER_URL"]
    if BROKER_URL.startswith("filesystem://"):
        BROKER_DIR = VAR_DIR / "broker"
        BROKER_DIR.mkdir(exist_ok=True)
        CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(BROKER_DIR),
                                           "data_folder_out": str(BROKER_DIR)}
        CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                              "LOCATION": str(VAR_DIR / "cache")}}
    else:
        CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                              "LOCATION": os.environ["ZOOM_XBLOCK_CACHE_URL"]}}
    CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
    # Two workers and the web server write to one SQLite file (webhooks arrive together):
    # write-ahead logging lets readers and a writer work at once, and a writer waits for the
    # lock (up to 20 s) instead of failing with "database is locked" (tests/project/apps.py).
    SQLITE_WAL = True
    if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        import django

        DATABASES["default"]["OPTIONS"] = {"timeout": 20}
        if django.VERSION >= (5, 1):  # take the write lock when a transaction starts
            DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"

# The platform names its broker BROKER_URL (lms/envs/common.py; openedx/core/lib/celery reads
# the old setting names), never CELERY_BROKER_URL: tests/project/celery.py does the same.
# Each process consumes its own default queue (lms/envs/common.py, cms/envs/common.py
# DEFAULT_PRIORITY_QUEUE): ZOOM_XBLOCK_SERVICE=cms plays Studio's process and worker.
SERVICE = os.environ.get("ZOOM_XBLOCK_SERVICE", "lms")
CELERY_TASK_DEFAULT_QUEUE = f"edx.{SERVICE}.core.default"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True

ZOOM_XBLOCK = {}
# E-mails (to organizers, and to learners through edx-ace) are written to var/mail/.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = "zoom-demo@example.com"
# edx-ace configured as the LMS configures it (lms/envs/common.py ACE_* settings): its
# django_email channel delivers through the e-mail backend above.
ACE_ENABLED_CHANNELS = ["django_email"]
ACE_ENABLED_POLICIES = []
ACE_CHANNEL_DEFAULT_EMAIL = "django_email"
ACE_CHANNEL_TRANSACTIONAL_EMAIL = "django_email"

# Plugin settings last, as the LMS applies them after its own (edx-django-utils).
add_plugins(__name__, PROJECT, "common")
add_plugins(__name__, PROJECT, "test")
derive_settings(__name__)  # as lms/envs/common.py's callers do once every stage has run
