"""Bounds on every PDF parse (``pdfbounds``): a hostile file is a clear 422 on the API and the
check page, and a non-zero exit of ``chinhquyen verify`` — never a 500 or minutes of CPU."""

from __future__ import annotations

import io
import sys
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from pyhanko.pdf_utils import generic, writer

from chinhquyen.signatures import pdfbounds
from chinhquyen.signatures.validation import validate_pdf

VALIDATE = "/api/v1/signatures/validate"
PAGE = "/chu-ky-so/kiem-tra/"


def build(objects: list[bytes]) -> bytes:
    """A classic PDF (cross-reference table) with these objects, object 1 the catalogue."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def nested_arrays(depth: int = 1000) -> bytes:
    """The 2 KB file of the issue: arrays nested 1,000 deep in the catalogue."""
    return build(
        [
            b"<< /Type /Catalog /Pages 2 0 R /X " + b"[" * depth + b"]" * depth + b" >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ]
    )


def repeated_page(times: int = 10_000) -> bytes:
    """A page tree listing one page 10,000 times (the issue's 85 KB file)."""
    return build(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + b"3 0 R " * times + b"] /Count %d >>" % times,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [] >>",
        ]
    )


def nested_in_object_stream(depth: int = 1500) -> bytes:
    """Arrays nested deep inside a compressed object stream, where a look at the raw bytes
    cannot see them."""
    w = writer.PdfFileWriter(stream_xrefs=True)
    objstm = w.prepare_object_stream()
    deep = generic.ArrayObject()
    cur = deep
    for _ in range(depth):
        nxt = generic.ArrayObject()
        cur.append(nxt)
        cur = nxt
    # where the validator looks first: the form's fields
    w.root["/AcroForm"] = generic.DictionaryObject(
        {generic.pdf_name("/Fields"): w.add_object(deep, obj_stream=objstm)}
    )
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20 * depth)  # pyHanko's writer recurses too: only to build the file
    try:
        out = io.BytesIO()
        w.write(out)
    finally:
        sys.setrecursionlimit(limit)
    data = out.getvalue()
    assert b"[[" not in data  # compressed: invisible to the byte scan
    return data


def upload(data: bytes):
    return SimpleUploadedFile("tan-cong.pdf", data, content_type="application/pdf")


HOSTILE = {
    "nested_arrays": nested_arrays,
    "repeated_page": repeated_page,
    "nested_in_object_stream": nested_in_object_stream,
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_public_api_answers_422_problem_json_quickly(trusted_loopback, name):
    data = HOSTILE[name]()
    start = time.process_time()
    resp = Client().post(VALIDATE, {"file": upload(data)})
    spent = time.process_time() - start

    assert resp.status_code == 422, resp.content[:300]
    assert resp["Content-Type"] == "application/problem+json"
    body = resp.json()
    assert body["code"] == "pdf_too_complex" and body["fields"]["file"]
    assert spent < 2.0, f"{name}: {spent:.2f} s of CPU"


def test_the_issue_files_are_as_small_as_reported():
    assert len(nested_arrays()) < 2_500 and len(repeated_page()) < 90_000


@pytest.mark.parametrize("name", ["nested_arrays", "repeated_page"])
def test_the_check_page_answers_422_in_vietnamese(trusted_loopback, name):
    resp = Client().post(PAGE, {"file": upload(HOSTILE[name]())})

    assert resp.status_code == 422
    text = resp.content.decode()
    assert "cấu trúc quá phức tạp" in text or "quá phức tạp" in text


@pytest.mark.parametrize("name", ["nested_arrays", "repeated_page"])
def test_the_verify_command_exits_with_the_reason(trusted_loopback, tmp_path, name):
    path = tmp_path / "tan-cong.pdf"
    path.write_bytes(HOSTILE[name]())

    with pytest.raises(CommandError) as exc:
        call_command("verify", str(path))
    assert "quá phức tạp" in str(exc.value)


def test_a_page_tree_within_the_bound_is_walked_once(trusted_loopback):
    """4,000 entries of one page: the old widget search walked the tree once per page
    (quadratic); one walk reads them in a blink."""
    start = time.process_time()
    report = validate_pdf(repeated_page(4_000))
    assert report.pages == 4_000 and report.signatures == []
    assert time.process_time() - start < 2.0


def test_parsing_runs_under_a_hard_time_limit(trusted_loopback, settings):
    """The alarm stops the parse of any file that takes too long (here: a limit set below what
    a real signed document needs)."""
    settings.SIGNATURES_PARSE_SECONDS = 0.001
    with pytest.raises(pdfbounds.PdfTooComplex) as exc:
        validate_pdf(repeated_page(4_900))
    assert "giây" in exc.value.fields["file"][0]


def test_a_string_or_a_stream_holding_brackets_is_not_nesting():
    body = b"(" + b"[" * 500 + b") <" + b"5B" * 10 + b">"
    data = build(
        [
            b"<< /Type /Catalog /Pages 2 0 R /S " + body + b" /C 4 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            b"<< /Length 600 >>\nstream\n" + b"[" * 600 + b"\nendstream",
        ]
    )
    pdfbounds.precheck(data)  # no error
