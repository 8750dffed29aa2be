"""Production profile: every secret must come from the environment; nothing insecure by default."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_str

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")  # no default: fail at start-up if missing
if len(SECRET_KEY) < 32 or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 32 characters")
# The address printed in the receipts' QR codes and the e-mails: never guessed from a request.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL").strip()  # no default: fail at start-up if missing
if not PUBLIC_BASE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        "PUBLIC_BASE_URL must be the portal's address, e.g. https://dichvucong.example.gov.vn"
    )

# The documented deployment (deploy/README.md) puts nginx in front and binds gunicorn to
# loopback, so the proxy's X-Forwarded-Proto/-For are trusted; BEHIND_PROXY=false when the
# application is reached directly (then a client could forge them).
BEHIND_PROXY = env_bool("BEHIND_PROXY", True)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Preloading HSTS commits the whole domain (often a province's gov.vn zone) for years: the
# deployer decides, so it is off unless asked for and its reminder is silenced.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
