"""Developer profile: `make run`. Debug on, SQLite under var/ unless DATABASE_URL says otherwise."""

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
