"""Personal data and secrets kept out of logs and error reports.

Two places where what a person typed ends up in front of someone who should not read it:

* **Log records.** ``RedactPersonalDataFilter`` is installed on every handler in
  ``settings.LOGGING``. It rewrites the record in place before it is formatted: the message (with
  its arguments) and the formatted traceback have e-mail addresses, phone numbers and 9/12-digit
  identity numbers replaced (``core/redaction.py``), and, when the record carries the request
  (Django's ``django.request`` and ``django.server`` loggers do), every value the request
  submitted (form fields, the e-form's JSON values) is replaced too. The record is changed in
  place, so every handler after the first one sees the scrubbed text.
* **Error reports** (the DEBUG page, the e-mail to ADMINS). ``PersonalDataReporterFilter`` is
  ``DEFAULT_EXCEPTION_REPORTER_FILTER``: besides Django's own names it hides every setting or
  environment variable about the database (``DATABASES``, ``DATABASE_URL``) and any URL that
  carries a password, every POST value (an e-form's field names are the procedure's own, so no
  list of names could be complete), and the frame variables that hold submitted data.
  ``PersonalDataExceptionReporter`` (``DEFAULT_EXCEPTION_REPORTER``) scrubs the exception's own
  text (PostgreSQL's "Failing row contains (…)" names every value of the row), the query string
  and the chained exceptions, as the log filter does.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from .redaction import redact
from .text import fold

# user:password@ in any URL (postgres://app:secret@db/…, redis://:secret@…).
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.\-]*://)[^/@\s]*@", re.I)
# Frame variables that hold what a person submitted, in our code and in Django's.
_SENSITIVE_VARIABLES = re.compile(
    r"form_data|^data$|payload|answers|values|cleaned|body|^raw|password|token|id_number|"
    r"phone|email|full_name|address|applicant|^post$|^files$",
    re.I,
)
_MAX_KNOWN_VALUES = 200
_MAX_BODY = 1_000_000


def _strip_url_credentials(text: str) -> str:
    return _URL_CREDENTIALS.sub(r"\g<scheme>********@", text)


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE|DSN|CSRF|SESSION",
        flags=re.I,
    )

    def cleanse_setting(self, key, value):
        cleansed = super().cleanse_setting(key, value)
        if isinstance(cleansed, str):
            # str() as well: a lazy string (django-axes' settings hold some) passes isinstance but
            # is not one to the regular expression.
            return _strip_url_credentials(str(cleansed))
        return cleansed

    def get_safe_request_meta(self, request):
        known = submitted_values(request)
        return {
            k: scrub(v, known=known) if isinstance(v, str) else v
            for k, v in super().get_safe_request_meta(request).items()
        }

    def get_post_parameters(self, request):
        if request is None:
            return {}
        cleansed = request.POST.copy()
        for key in cleansed:
            cleansed.setlist(key, [self.cleansed_substitute] * len(cleansed.getlist(key)))
        return cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        out = []
        for name, value in super().get_traceback_frame_variables(request, tb_frame):
            if _SENSITIVE_VARIABLES.search(name):
                value = self.cleansed_substitute
            elif isinstance(value, str):
                value = redact(value)
            out.append((name, value))
        return out


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)


def submitted_values(request) -> list[str]:
    """What the request sent: its form fields and the string values of a JSON body. Reads only
    what Django has already parsed or buffered; never the stream."""
    values: list[str] = []
    post = getattr(request, "POST", None)
    try:
        if post:
            for key in post:
                values.extend(post.getlist(key))
        content_type = getattr(request, "content_type", "") or ""
        if content_type.endswith("json"):
            body = request.body  # buffered by the view that parsed it
            if len(body) <= _MAX_BODY:
                values.extend(_strings(json.loads(body)))
    except Exception:  # noqa: BLE001, S110 - a log line must never fail for what it hides
        pass
    return [v for v in values if isinstance(v, str)][:_MAX_KNOWN_VALUES]


def scrub(text: str, *, known: Iterable[str] = ()) -> str:
    """``text`` without personal data: the patterns of ``redact`` and the ``known`` values."""
    if not text:
        return text
    # redact() folds the whole text once per known value; hand it only the values whose words
    # all occur in the text (one fold of the text), so that a long traceback stays cheap.
    words = set(re.findall(r"\w+", fold(text)))
    present = [
        value
        for value in dict.fromkeys(known)
        if (parts := re.findall(r"\w+", fold(value))) and all(p in words for p in parts)
    ]
    return _strip_url_credentials(redact(text, known=present))


class RedactPersonalDataFilter(logging.Filter):
    """Rewrites each record's message and traceback without personal data (see the module)."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "chinhquyen_scrubbed", False):
            return True
        request = getattr(record, "request", None)
        known = submitted_values(request) if request is not None else []
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - keep the record, as logging itself would
            message = str(record.msg)
        record.msg = scrub(message, known=known)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text, known=known)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info, known=known)
        record.chinhquyen_scrubbed = True
        return True


class PersonalDataExceptionReporter(ExceptionReporter):
    def get_traceback_data(self):
        data = super().get_traceback_data()
        known = submitted_values(self.request) if self.request is not None else []
        for key in ("exception_value", "exception_notes", "request_insecure_uri"):
            if isinstance(data.get(key), str):
                data[key] = scrub(data[key], known=known)
        if "request_GET_items" in data:
            data["request_GET_items"] = [
                (k, scrub(v, known=known)) for k, v in self.request.GET.items()
            ]
        for frame in data.get("frames", []):
            if frame.get("exc_cause") is not None:
                frame["exc_cause"] = scrub(str(frame["exc_cause"]), known=known)
        return data
