"""The production profile for the process-level deployment tests. One difference: static files
are served from the apps' folders (no collectstatic manifest to build in a test)."""

from config.settings.production import *  # noqa: F403
from config.settings.production import STATIC_ROOT

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it
