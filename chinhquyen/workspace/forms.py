"""Forms of the officer workspace. They only parse input; the services decide."""

from __future__ import annotations

import json

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from chinhquyen.dossiers.models import Channel

from .selectors import DEADLINE_STATES

DEADLINE_LABELS = {
    "on_time": _("Trong hạn"),
    "due_soon": _("Sắp đến hạn"),
    "overdue": _("Quá hạn"),
    "paused": _("Tạm dừng"),
}


class InboxFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("Trạng thái"), required=False)
    deadline = forms.ChoiceField(
        label=_("Thời hạn"),
        required=False,
        choices=[("", _("Tất cả"))] + [(s, DEADLINE_LABELS[s]) for s in DEADLINE_STATES],
    )
    procedure = forms.ChoiceField(label=_("Thủ tục"), required=False)
    q = forms.CharField(label=_("Mã hồ sơ hoặc tên người nộp"), required=False, max_length=100)

    def __init__(self, *args, states=(), procedures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Tất cả"))] + list(states)
        self.fields["procedure"].choices = [("", _("Tất cả"))] + list(procedures)


class IntakeForm(forms.Form):
    """Counter intake. The e-form data is a JSON text: a form generated from the procedure's
    JSON Schema is being built for the citizen portal and can replace this textarea later."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    procedure = forms.ChoiceField(label=_("Thủ tục"))
    channel = forms.TypedChoiceField(
        label=_("Kênh tiếp nhận"),
        coerce=int,
        choices=[(Channel.COUNTER, Channel.COUNTER.label), (Channel.POST, Channel.POST.label)],
        widget=forms.RadioSelect,
        initial=Channel.COUNTER,
    )
    applicant_name = forms.CharField(label=_("Họ và tên người nộp"), max_length=200)
    applicant_id_number = forms.CharField(
        label=_("Số CCCD"),
        max_length=12,
        required=False,
        validators=[RegexValidator(r"^\d{12}$", _("Số CCCD gồm đúng 12 chữ số."))],
    )
    applicant_phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    applicant_email = forms.EmailField(label=_("Thư điện tử"), required=False)
    applicant_address = forms.CharField(label=_("Địa chỉ"), max_length=300, required=False)
    form_data = forms.CharField(
        label=_("Dữ liệu tờ khai (JSON)"),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text=_("Nhập dạng JSON theo mẫu tờ khai điện tử của thủ tục."),
    )
    comment = forms.CharField(
        label=_("Ghi chú, lý do (bắt buộc khi yêu cầu bổ sung hoặc từ chối)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, procedures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].choices = list(procedures)

    def clean_form_data(self):
        raw = self.cleaned_data["form_data"]
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("Dữ liệu tờ khai không phải JSON hợp lệ.")) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Dữ liệu tờ khai phải là một đối tượng JSON {…}."))
        return value
