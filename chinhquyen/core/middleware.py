"""The project's middleware.

Vietnamese first: the interface is Vietnamese unless the person chose another language with
the language switch (Django's language cookie). The browser's Accept-Language is not consulted —
many phones in Vietnam are set to English, and public services speak Vietnamese first.

Messages: Django's message storage, built only for the requests that use it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin
from django.utils.functional import SimpleLazyObject, empty


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


class LazyMessageMiddleware(MessageMiddleware):
    """Django's ``MessageMiddleware``, with the message storage built when a view or a template
    first uses it. Building it derives the cookie signer's key (an HMAC) and sets up the session
    and cookie backends: ≈ 4 % of an API call or a public status lookup, which never show a
    message. A storage never used has nothing to store (``BaseStorage.update`` writes only what
    was read or added), so the response is left as it is."""

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = request.__dict__.get("_messages")
        if type(messages) is SimpleLazyObject and messages._wrapped is empty:
            return response
        return super().process_response(request, response)
