"""Settings for the test suite: real PostgreSQL and Redis, fast hashing, mail in memory."""

import os
import uuid

os.environ.setdefault("DEBUG", "1")

from pbudget.settings import *  # noqa: F403
from pbudget.settings import CACHES

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# One run's keys and queue never mix with another's (or with a `make run` on the same Redis).
RUN_ID = os.environ.setdefault("PBUDGET_TEST_RUN_ID", uuid.uuid4().hex[:12])
CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": f"pbudget-test-{RUN_ID}"}}
CELERY_TASK_DEFAULT_QUEUE = f"pbudget-test-{RUN_ID}"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
# Most tests run tasks in-process right after commit; tests marked with the `celery_worker`
# fixture switch this off and go through a real worker on Redis.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

# A Celery worker started by a test reaches the test database through this variable.
if os.environ.get("PBUDGET_TEST_DB_NAME"):
    DATABASES["default"]["NAME"] = os.environ["PBUDGET_TEST_DB_NAME"]  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": os.environ["PBUDGET_TEST_DB_NAME"]}  # noqa: F405
