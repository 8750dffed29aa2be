"""The verification page: drop a signed PDF, read the verdict in Vietnamese. Public, like the
API: whoever holds a signed document may check it, and nothing is stored."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from chinhquyen.core.errors import ValidationFailed

from .api import read_upload
from .forms import VerifyForm
from .validation import INDICATION_VI, KIND_VI, validate_pdf


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    report = None
    status = 200
    form = VerifyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = validate_pdf(read_upload(form.cleaned_data["file"]))
        except ValidationFailed as exc:
            for message in exc.fields.get("file", [exc.message]):
                form.add_error("file", message)
            status = 422
    elif request.method == "POST":
        status = 422
    return render(
        request,
        "signatures/verify.html",
        {
            "form": form,
            "report": report,
            "indication_vi": INDICATION_VI,
            "kind_vi": KIND_VI,
        },
        status=status,
    )


@require_safe
def verify_result(request: HttpRequest, sha256: str) -> HttpResponse:
    """The validation link printed with an official result (the citizen's page and e-mail):
    the report of the stored result with that SHA-256, nothing of its content."""
    from chinhquyen.dossiers.results import result_official_by_digest

    record = result_official_by_digest(sha256=sha256)
    if record is None:
        raise Http404(sha256)
    with record.file.open("rb") as fh:
        report = validate_pdf(fh.read())
    return render(
        request,
        "signatures/verify.html",
        {
            "form": VerifyForm(),
            "report": report,
            "indication_vi": INDICATION_VI,
            "kind_vi": KIND_VI,
            "checked": {"code": record.dossier.code, "sha256": record.sha256},
        },
    )
