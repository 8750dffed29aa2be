"""The project's URLs plus a submission that fails as PostgreSQL fails a row it refuses: the
error names the row's values ("Failing row contains (…)"), e-form and all."""

import json

from django.db import IntegrityError
from django.urls import path

from config import urls as project


def _failing_submission(request):
    form = json.loads(request.body)
    applicant_phone = form.get("dien_thoai", "")  # a frame variable the report must hide
    raise IntegrityError(
        'new row for relation "dossiers_dossier" violates check constraint "code_not_empty"\n'
        f"DETAIL:  Failing row contains (7, , {json.dumps(form, ensure_ascii=False)}, "
        f"{applicant_phone})."
    )


def _failing_form_post(request):
    raise ValueError("không lưu được: " + ", ".join(request.POST.values()))


urlpatterns = [
    path("__nop_loi__/", _failing_submission),
    path("__form_loi__/", _failing_form_post),
    *project.urlpatterns,
]
