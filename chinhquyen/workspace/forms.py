"""Forms of the officer workspace. They only parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from chinhquyen.core.phone import phone_clean
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
    """Counter intake: the channel, the applicant and the officer's note. The procedure's e-form
    is drawn from its JSON Schema by ``pages.eform`` beside these fields, and the scans and the
    checklist come from one input per required document."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    procedure = forms.ChoiceField(label=_("Thủ tục"))
    channel = forms.TypedChoiceField(
        label=_("Kênh tiếp nhận"),
        coerce=int,
        choices=[(Channel.COUNTER, Channel.COUNTER.label), (Channel.POST, Channel.POST.label)],
        widget=forms.RadioSelect,
        initial=Channel.COUNTER,
    )
    applicant_name = forms.CharField(
        label=_("Họ và tên người nộp"),
        max_length=200,
        error_messages={"required": _("Bắt buộc nhập họ tên người nộp.")},
    )
    applicant_id_number = forms.CharField(
        label=_("Số CCCD"),
        max_length=12,
        required=False,
        validators=[RegexValidator(r"^\d{12}$", _("Số CCCD gồm đúng 12 chữ số."))],
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    applicant_phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    applicant_email = forms.EmailField(label=_("Thư điện tử"), required=False)
    applicant_address = forms.CharField(label=_("Địa chỉ"), max_length=300, required=False)
    comment = forms.CharField(
        label=_("Ghi chú, lý do (bắt buộc khi yêu cầu bổ sung hoặc từ chối)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    APPLICANT_FIELDS = (
        "applicant_name",
        "applicant_id_number",
        "applicant_phone",
        "applicant_email",
        "applicant_address",
    )

    def __init__(self, *args, procedures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].choices = list(procedures)

    def clean_applicant_phone(self) -> str:
        return phone_clean(self.cleaned_data["applicant_phone"])  # "0912 345 678" → 0912345678
