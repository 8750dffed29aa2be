"""The verification page: drop a signed PDF, read the verdict in Vietnamese. Public, like the
API: whoever holds a signed document may check it, and nothing is stored."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

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
