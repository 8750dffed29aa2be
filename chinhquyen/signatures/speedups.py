"""A faster reader for PDF hex strings, installed into pyHanko at start-up (``apps.py``).

pyHanko reads a hex string ``<…>`` one character at a time in Python; a signature's
``/Contents`` is several thousand characters, which made that loop ~40 % of validating a
one-page signed PDF. This reader takes the whole string at once when it holds only hex digits
and PDF whitespace — the form every signature uses — and hands anything else (comments, invalid
characters, a missing ``>``) back to pyHanko's own function, so errors and odd cases behave
exactly as before. Equivalence is tested in ``tests/test_speedups.py``. Switch it off with
``SIGNATURES_PYHANKO_SPEEDUPS = False``; worth proposing upstream.
"""

from __future__ import annotations

import binascii
import re

from pyhanko.pdf_utils import generic

_original = generic.read_hex_string_from_stream
_WHITESPACE = b" \n\r\t\f\x00"
_ONLY_HEX = re.compile(rb"[0-9A-Fa-f \n\r\t\f\x00]*\Z")
_CHUNK = 1 << 16


def read_hex_string_from_stream(stream):
    start = stream.tell()
    stream.read(1)  # "<"
    parts: list[bytes] = []
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            stream.seek(start)
            return _original(stream)
        end = chunk.find(b">")
        if end >= 0:
            parts.append(chunk[:end])
            break
        parts.append(chunk)
    body = b"".join(parts)
    if not _ONLY_HEX.match(body):
        stream.seek(start)
        return _original(stream)
    stream.seek(start + 1 + len(body) + 1)
    digits = body.translate(None, _WHITESPACE)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def install() -> None:
    generic.read_hex_string_from_stream = read_hex_string_from_stream


def uninstall() -> None:
    generic.read_hex_string_from_stream = _original
