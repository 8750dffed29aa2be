"""Test profile: fast password hashing, tasks run in the database queue and are driven by tests."""

from .base import *  # noqa: F403
from .base import STATIC_ROOT, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "test-media"
DEBUG = False

# Tests render templates without running collectstatic first.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it
# The public page cache is off in tests (their data is written around the services, and one
# process runs them all); chinhquyen/core/tests/test_pagecache.py switches it on.
PAGE_CACHE_SECONDS = 0
# The benchmark harness's own tests (benchmarks/tests) and the write batch's (its BenchRow table).
if "benchmarks" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks"]  # noqa: F405
