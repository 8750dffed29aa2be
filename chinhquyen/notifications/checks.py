"""Deployment check: notifications switched on but mail not actually leaving the server."""

from django.conf import settings
from django.core.checks import Warning, register

UNSENT_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@register(deploy=True)
def check_email_backend(app_configs, **kwargs):
    if settings.NOTIFICATIONS_ENABLED and settings.EMAIL_BACKEND in UNSENT_BACKENDS:
        return [
            Warning(
                "NOTIFICATIONS_ENABLED is on but EMAIL_BACKEND does not send mail.",
                hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_USE_TLS, credentials) in production.",
                id="notifications.W001",
            )
        ]
    return []
