"""The feedback pages' forms. They only shape the input: the rules live in the services.

The sending form is located by choosing, never by typing coordinates: a province, then one of
its communes (current two-level units), and the street or place in words; or the browser's
position ("Dùng vị trí của tôi", ``static/feedback/send.js``), which fills the hidden ``lat``
and ``long``. The procedure concerned is found by its name and chosen from the matches. Both
work without JavaScript: the form comes back from the server with the communes of the chosen
province, or with the procedures matching the words typed (``_action`` = ``province`` /
``procedure``); the script does the same in place.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from chinhquyen.core.phone import PhoneField

from .models import FeedbackKind

# The buttons that only bring the form back with more choices, without sending it.
RELOAD_ACTIONS = ("province", "procedure", "procedure_clear")


class SendForm(forms.Form):
    """The citizen's feedback form. Only shapes the input: the rules live in ``feedback_submit``."""

    kind = forms.ChoiceField(
        label=_("Phản ánh về"), choices=FeedbackKind.choices, widget=forms.RadioSelect
    )
    procedure_q = forms.CharField(
        label=_("Tên thủ tục"),
        required=False,
        max_length=200,
        help_text=_("Gõ vài chữ trong tên thủ tục, ví dụ: khai sinh, kết hôn, hộ kinh doanh."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    # Set by choosing among the matches (or by the link of a procedure's page), never typed.
    procedure_code = forms.CharField(required=False, max_length=40)
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
    province = forms.ChoiceField(label=_("Tỉnh, thành phố"), required=False)
    commune = forms.ChoiceField(
        label=_("Xã, phường, đặc khu"),
        required=False,
        error_messages={"invalid_choice": _("Chọn xã, phường trong danh sách của tỉnh đã chọn.")},
    )
    address_string = forms.CharField(
        label=_("Số nhà, đường phố, thôn, tổ dân phố hoặc địa điểm"),
        required=False,
        max_length=200,
        help_text=_("Ví dụ: trước số 12 phố Lê Lợi; cổng chợ Hải Tân; đầu thôn Đông."),
    )
    # Filled by the browser ("Dùng vị trí của tôi"); nobody types coordinates.
    lat = forms.DecimalField(
        required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )
    long = forms.DecimalField(
        required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )
    anonymous = forms.BooleanField(
        label=_("Gửi ẩn danh (không để lại thông tin cá nhân)"), required=False
    )
    sender_name = forms.CharField(label=_("Họ và tên"), required=False, max_length=120)
    sender_email = forms.EmailField(
        label=_("Thư điện tử"), required=False, help_text=_("Để nhận thông báo khi có trả lời.")
    )
    sender_phone = PhoneField(
        label=_("Số điện thoại"),
        required=False,
        help_text=_("Ví dụ 0912 345 678. Để cơ quan gọi lại khi cần."),
    )
    sender_address = forms.CharField(label=_("Địa chỉ liên hệ"), required=False, max_length=255)
    form_token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, agencies=(), provinces=(), **kwargs):
        kwargs.setdefault("auto_id", "f-%s")
        super().__init__(*args, **kwargs)
        self.fields["agency_id"].choices = [("", _("— Chọn cơ quan —"))] + [
            (a.agency_id, a.name) for a in agencies
        ]
        self.fields["province"].choices = [("", _("— Chọn tỉnh, thành phố —"))] + [
            (u.code, u.name) for u in provinces
        ]
        self.offer_communes(())
        self.fields["description"].widget.attrs["aria-describedby"] = "f-description-hint"
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"f-{name}-hint"
        self.fields["sender_email"].widget.attrs["autocomplete"] = "email"
        self.fields["sender_name"].widget.attrs["autocomplete"] = "name"
        # The place of the problem, not the sender's address: no autofill of their home.
        self.fields["address_string"].widget.attrs["autocomplete"] = "off"

    def offer_communes(self, communes) -> None:
        """The communes to choose from: those of the province chosen (none before that)."""
        self.fields["commune"].choices = [("", _("— Chọn xã, phường —"))] + [
            (u.code, u.name) for u in communes
        ]

    def raw(self, name: str) -> str:
        """A field's value as sent (or its initial value), before any cleaning: what the
        page needs to bring the form back with the communes or procedures to choose from."""
        if self.is_bound:
            return str(self.data.get(self.add_prefix(name), "") or "").strip()
        return str(self.initial.get(name, "") or "").strip()

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
