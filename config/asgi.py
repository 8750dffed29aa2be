"""ASGI entry point. As ``config.wsgi``: production unless ``DJANGO_SETTINGS_MODULE`` says
otherwise. The project is served by gunicorn's sync workers (deploy/README.md); this module is
for an ASGI server if one is chosen."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_asgi_application()
