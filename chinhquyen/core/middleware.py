"""The project's middleware.

Vietnamese first: the interface is Vietnamese unless the person chose another language with
the language switch (Django's language cookie). The browser's Accept-Language is not consulted —
many phones in Vietnam are set to English, and public services speak Vietnamese first.

Messages use Django's ``MessageMiddleware`` as it is (a lazily built storage, which set
``request._messages`` to a ``SimpleLazyObject``, was removed with #19: docs/decisions/0005)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin


class VietnameseFirstLocaleMiddleware(MiddlewareMixin):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", translation.get_language())
        patch = response.get("Vary", "")
        if "Cookie" not in patch:
            response["Vary"] = f"{patch}, Cookie" if patch else "Cookie"
        return response
