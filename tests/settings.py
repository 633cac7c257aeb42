"""Settings for the test suite: the project's settings, with fast and observable side effects."""

import os
import tempfile

os.environ.setdefault("COMPTOIR_VAR_DIR", tempfile.mkdtemp(prefix="comptoir-test-var-"))

from comptoir.settings import *  # noqa: F403

# Tasks run at once, inside the caller's transaction, so tests see their effect.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = tempfile.mkdtemp(prefix="comptoir-test-static-")
MEDIA_ROOT = tempfile.mkdtemp(prefix="comptoir-test-media-")
ACCOUNT_RATE_LIMITS = False
# Configuration rows are read afresh on each change: tests edit them with
# queryset updates, which no signal reports (tests of the cache turn it on).
COMPTOIR_CONFIG_CACHE_SECONDS = 0
