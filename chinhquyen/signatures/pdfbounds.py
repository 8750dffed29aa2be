"""Bounds on every PDF we parse: nesting depth, object count, page count and time.

Every PDF that reaches pyHanko — the public validator, the check page, ``chinhquyen verify``,
agency signing and the exchange hub's signature assessment — is opened through
``signing.open_reader`` (which calls :func:`precheck`) and parsed inside :func:`limits`. A file
beyond a bound is refused with ``PdfTooComplex`` (a ``ValidationFailed`` on ``file``, code
``pdf_too_complex``): a 422 problem+json on the API, a Vietnamese message on the page, a non-zero
exit with the message in the command.

* :func:`precheck` reads the raw bytes once before pyHanko sees them (streams, strings and
  comments skipped): arrays and dictionaries nested deeper than ``MAX_DEPTH`` (pyHanko's reader
  recurses once per level: 1,000 levels in a 2 KB file were a RecursionError, i.e. a 500) and
  more than ``MAX_OBJECTS`` objects (counted in the file and in its object streams' ``/N``).
* :func:`limits` is the net under it: what hides in a compressed object stream and still recurses
  too deep (RecursionError) is refused the same way, and the whole parse and validation runs
  under a hard time limit (``SIGNATURES_PARSE_SECONDS``, default 20 s) — a real-time alarm when
  the caller is the main thread (gunicorn's sync workers, the management commands); threads
  cannot be interrupted in-process and rely on the structural bounds.
* :func:`pages` walks the page tree once (the old widget search walked it once per page: a tree
  repeating one page 10,000 times cost 112 s of CPU) and refuses more than ``MAX_PAGES`` pages.
"""

from __future__ import annotations

import re
import signal
import threading
from contextlib import contextmanager

from django.conf import settings
from pyhanko.pdf_utils import generic

from chinhquyen.core.errors import ValidationFailed

MAX_DEPTH = 100  # real documents nest a few levels
MAX_OBJECTS = 500_000
MAX_PAGES = 5_000


class PdfTooComplex(ValidationFailed):
    def __init__(self, detail: str):
        super().__init__(
            "Tệp PDF có cấu trúc quá phức tạp hoặc bất thường, hệ thống không xử lý.",
            code="pdf_too_complex",
            fields={"file": [f"Tệp PDF có cấu trúc quá phức tạp: {detail}"]},
        )


# Outside streams, strings and comments, the tokens that matter: brackets, dictionary
# delimiters, a string or comment start, and the ``stream`` keyword (end of line after it).
_TOKEN = re.compile(rb"<<|>>|[\[\]]|\(|%|<(?!<)|(?<![A-Za-z])stream(?:\r\n|\r|\n)")
_STRING_PART = re.compile(rb"[()\\]")
_OBJ = re.compile(rb"(?<![0-9])[0-9]{1,10}[ \t\r\n\f\x00]+[0-9]{1,5}[ \t\r\n\f\x00]+obj\b")
_OBJSTM_N = re.compile(
    rb"/Type\s*/ObjStm\b[^>]{0,200}?/N\s+([0-9]{1,10})|/N\s+([0-9]{1,10})[^>]{0,200}?/Type\s*/ObjStm\b"
)


def _too_deep() -> PdfTooComplex:
    return PdfTooComplex(f"Mảng/từ điển lồng nhau quá {MAX_DEPTH} cấp.")


def precheck(data: bytes) -> None:
    """Refuse a file nested deeper than ``MAX_DEPTH`` or with more than ``MAX_OBJECTS``
    objects, reading its bytes once (linear time, no recursion)."""
    objects = len(_OBJ.findall(data))
    objects += sum(int(a or b) for a, b in _OBJSTM_N.findall(data))
    if objects > MAX_OBJECTS:
        raise PdfTooComplex(f"Tệp có hơn {MAX_OBJECTS:,} đối tượng.".replace(",", "."))
    depth = 0
    pos = 0
    size = len(data)
    search = _TOKEN.search
    while pos < size:
        m = search(data, pos)
        if m is None:
            return
        tok = m.group()
        pos = m.end()
        if tok == b"<<" or tok == b"[":
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep()
        elif tok == b">>" or tok == b"]":
            depth = max(depth - 1, 0)
        elif tok == b"(":
            pos = _skip_string(data, pos)
        elif tok == b"%":
            end = min(
                (i for i in (data.find(b"\n", pos), data.find(b"\r", pos)) if i >= 0), default=-1
            )
            pos = size if end < 0 else end
        elif tok == b"<":
            end = data.find(b">", pos)
            pos = size if end < 0 else end + 1
        else:  # stream data up to its endstream
            end = data.find(b"endstream", pos)
            pos = size if end < 0 else end + len(b"endstream")


def _skip_string(data: bytes, pos: int) -> int:
    """The position after the literal string starting before ``pos`` (balanced parentheses,
    backslash escapes)."""
    level = 1
    while True:
        m = _STRING_PART.search(data, pos)
        if m is None:
            return len(data)
        c = m.group()
        pos = m.end()
        if c == b"\\":
            pos += 1
        elif c == b"(":
            level += 1
        else:
            level -= 1
            if level == 0:
                return pos


def time_limit_seconds() -> float:
    return float(getattr(settings, "SIGNATURES_PARSE_SECONDS", 20))


class _Timeout(BaseException):
    """Not an ``Exception``: library code that catches everything must not swallow it."""


@contextmanager
def limits(seconds: float | None = None):
    """Run the PDF work of the block under the bounds: RecursionError and running over the time
    limit become ``PdfTooComplex``. The alarm is set only in the main thread and only when no
    other alarm is pending (an outer limit, a test timeout), which it then leaves alone."""
    seconds = time_limit_seconds() if seconds is None else seconds
    running = [True]  # an alarm arriving while the block is being left does nothing

    def alarm(signum, frame):
        if running[0]:
            raise _Timeout

    armed = False
    previous = None
    if (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    ):
        previous = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        armed = True
    try:
        yield
    except RecursionError as exc:
        raise _too_deep() from exc
    except _Timeout as exc:
        raise PdfTooComplex(f"Xử lý tệp vượt quá {seconds:g} giây.") from exc
    finally:
        running[0] = False
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _key(obj):
    if isinstance(obj, generic.IndirectObject):
        return (obj.idnum, obj.generation)
    return id(obj)


def pages(reader) -> list:
    """The page objects of ``reader`` in order, walking the page tree once (iteratively, each
    intermediate node at most once), at most ``MAX_PAGES``."""
    out: list = []
    seen: set = set()
    stack = [reader.root.raw_get("/Pages")]
    while stack:
        ref = stack.pop()
        node = ref.get_object()
        if node.get("/Type") == "/Page" or "/Kids" not in node:
            out.append(node)
            if len(out) > MAX_PAGES:
                raise PdfTooComplex(f"Tệp có hơn {MAX_PAGES:,} trang.".replace(",", "."))
            continue
        key = _key(ref)
        if key in seen:
            continue
        seen.add(key)
        kids = node.raw_get("/Kids").get_object()
        if not isinstance(kids, generic.ArrayObject):
            raise PdfTooComplex("Cây trang không hợp lệ.")
        stack.extend(kids.raw_get(i) for i in range(len(kids) - 1, -1, -1))
    return out
