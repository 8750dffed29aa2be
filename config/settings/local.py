"""Developer profile: `make run`. Debug on, SQLite under var/ unless DATABASE_URL says otherwise."""

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)

# The demo shows the e-mails it would send: with no EMAIL_HOST they go to the worker's console.
NOTIFICATIONS_ENABLED = env_bool("NOTIFICATIONS_ENABLED", True)
