"""The fast hex-string reader gives exactly what pyHanko's own reader gives, errors included."""

from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfStreamError

from chinhquyen.signatures import speedups

CASES = [
    b"<48656C6C6F> rest",
    b"<48 65 6c\n6c 6F\r\n\t> rest",
    b"<486> rest",  # odd: a trailing 0 is implied
    b"<> rest",
    b"<" + b"ab" * 40000 + b"> rest",  # longer than one read
    b"<48 % a comment\n65> rest",  # comments: pyHanko's path
    b"<FEFF00410042>",  # a UTF-16 text string
]


@pytest.mark.parametrize("data", CASES)
def test_same_value_and_position_as_pyhanko(data):
    ours, theirs = io.BytesIO(data), io.BytesIO(data)
    assert speedups.read_hex_string_from_stream(ours) == speedups._original(theirs)
    assert ours.tell() == theirs.tell()


@pytest.mark.parametrize("data", [b"<48G5>", b"<4865", b"<48(65)>"])
def test_same_errors_as_pyhanko(data):
    for reader in (speedups.read_hex_string_from_stream, speedups._original):
        with pytest.raises(PdfStreamError):
            reader(io.BytesIO(data))


def test_installed_at_start_up():
    assert generic.read_hex_string_from_stream is speedups.read_hex_string_from_stream
