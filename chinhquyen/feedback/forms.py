from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FeedbackKind


class SendForm(forms.Form):
    """The citizen's feedback form. Only shapes the input: the rules live in ``feedback_submit``."""

    kind = forms.ChoiceField(
        label=_("Phản ánh về"), choices=FeedbackKind.choices, widget=forms.RadioSelect
    )
    procedure_code = forms.CharField(
        label=_("Mã thủ tục"),
        required=False,
        max_length=40,
        help_text=_("Mã trên trang thủ tục, ví dụ 1.000001. Cần khi phản ánh về thủ tục."),
    )
    dossier_code = forms.CharField(
        label=_("Mã hồ sơ"),
        required=False,
        max_length=60,
        help_text=_("Mã in trên giấy tiếp nhận. Cần khi phản ánh về hồ sơ."),
    )
    agency_id = forms.ChoiceField(
        label=_("Cơ quan"),
        required=False,
        help_text=_(
            "Cần khi phản ánh về cơ quan; với thủ tục, chọn nơi bạn nộp hồ sơ (không bắt buộc)."
        ),
    )
    title = forms.CharField(label=_("Tiêu đề"), required=False, max_length=200)
    description = forms.CharField(
        label=_("Nội dung phản ánh, kiến nghị"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    address_string = forms.CharField(label=_("Địa điểm (nếu có)"), required=False, max_length=255)
    lat = forms.DecimalField(label=_("Vĩ độ"), required=False, max_digits=9, decimal_places=6)
    long = forms.DecimalField(label=_("Kinh độ"), required=False, max_digits=9, decimal_places=6)
    anonymous = forms.BooleanField(
        label=_("Gửi ẩn danh (không để lại thông tin cá nhân)"), required=False
    )
    sender_name = forms.CharField(label=_("Họ và tên"), required=False, max_length=120)
    sender_email = forms.EmailField(
        label=_("Thư điện tử"), required=False, help_text=_("Để nhận thông báo khi có trả lời.")
    )
    sender_phone = forms.CharField(label=_("Số điện thoại"), required=False, max_length=20)
    sender_address = forms.CharField(label=_("Địa chỉ liên hệ"), required=False, max_length=255)
    form_token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, agencies=(), **kwargs):
        kwargs.setdefault("auto_id", "f-%s")
        super().__init__(*args, **kwargs)
        self.fields["agency_id"].choices = [("", _("— Chọn cơ quan —"))] + [
            (a.agency_id, a.name) for a in agencies
        ]
        self.fields["description"].widget.attrs["aria-describedby"] = "f-description-hint"
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"f-{name}-hint"
        self.fields["sender_phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
        self.fields["sender_email"].widget.attrs["autocomplete"] = "email"
        self.fields["sender_name"].widget.attrs["autocomplete"] = "name"
        self.fields["lat"].widget.attrs["inputmode"] = "decimal"
        self.fields["long"].widget.attrs["inputmode"] = "decimal"

    def mark_errors(self) -> None:
        """aria-invalid and the error message's id on every field that has an error."""
        for name in self.errors:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            attrs["aria-invalid"] = "true"
            described = attrs.get("aria-describedby", "")
            attrs["aria-describedby"] = f"{described} f-{name}-error".strip()


class ReasonForm(forms.Form):
    text = forms.CharField(label=_("Nội dung"), max_length=10000, widget=forms.Textarea)
