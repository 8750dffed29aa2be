"""WSGI entry point (gunicorn ``config.wsgi``). Production is the default: a server started
without ``DJANGO_SETTINGS_MODULE`` runs ``config.settings.production``, which refuses to start
without its secrets (SECRET_KEY, PUBLIC_BASE_URL) and never serves with DEBUG on. The local
profile is asked for by name: ``DJANGO_SETTINGS_MODULE=config.settings.local``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
