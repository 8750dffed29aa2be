"""Developer profile: `make run`. Debug on, SQLite under var/ unless DATABASE_URL says otherwise."""

from config.env import env_bool, env_str

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)

# The demo shows the e-mails it would send: with no EMAIL_HOST they go to the worker's console.
NOTIFICATIONS_ENABLED = env_bool("NOTIFICATIONS_ENABLED", True)

# runserver serves static files itself in development; no manifest needed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise expects it)

# The demo's signing keys (development CA, the leader's and the agency's certificates) are stored
# encrypted under var/keys with this passphrase. Never used by the production profile.
SIGNATURES_KEY_PASSPHRASE = env_str("SIGNATURES_KEY_PASSPHRASE", "chinhquyen-demo-keys")

# The demo's leader signs through a remote signing service, as Vietnam's licensed providers work
# (the hash goes to the provider, the person confirms in its app): `make run` starts the
# provider's simulator on SIGNING_SIMULATOR_PORT (scripts/run.sh), whose "app" is a web page.
_SIMULATOR = f"http://127.0.0.1:{env_str('SIGNING_SIMULATOR_PORT', '8190')}"
SIGNATURES_REMOTE_URL = env_str("SIGNATURES_REMOTE_URL", _SIMULATOR)
SIGNATURES_REMOTE_CLIENT_ID = env_str("SIGNATURES_REMOTE_CLIENT_ID", "chinhquyen-demo")
SIGNATURES_REMOTE_CLIENT_SECRET = env_str(
    "SIGNATURES_REMOTE_CLIENT_SECRET", "chinhquyen-demo-simulator"
)
SIGNATURES_REMOTE_APP_URL = env_str("SIGNATURES_REMOTE_APP_URL", _SIMULATOR + "/app/{user}")
