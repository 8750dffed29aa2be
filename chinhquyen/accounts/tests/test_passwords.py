"""Passwords: Vietnamese common passwords, names and dates, the person's own data, a configurable
minimum length; refused with a Vietnamese message wherever a password is set."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from chinhquyen.accounts.services import user_create


def _refused(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


@pytest.mark.parametrize(
    "password",
    [
        "congdan1",
        "nguyenvanan",
        "matkhau",
        "123456a@",
        "anhyeuem",
        "MatKhau@2026",
        "Nguyễn Văn An 1990",
        "tranthithuhuong",
        "01/01/1990",
        "19901231",
        "password",
    ],
)
def test_common_vietnamese_passwords_names_and_dates_are_refused(settings, password):
    settings.PASSWORD_MIN_LENGTH = 8  # with a second factor: the list must refuse them itself
    with translation.override(None):  # as in a management command: no translation active
        messages = _refused(password)
    assert messages, password
    assert any("Mật khẩu" in m for m in messages)


@pytest.mark.parametrize(
    "password", ["ruộng bậc thang mùa lúa chín 47", "Xe-buyt-so-9-chay-qua-cau", "g7#Lq2!vZr8@Wp"]
)
def test_long_uncommon_passwords_pass(password):
    assert _refused(password) == []


def test_the_minimum_length_is_a_setting_fourteen_by_default(settings):
    assert settings.PASSWORD_MIN_LENGTH == 14
    assert "Mật khẩu quá ngắn: cần ít nhất 14 ký tự." in _refused("xe buyt so 9")
    settings.PASSWORD_MIN_LENGTH = 8
    assert _refused("xe buyt so 9") == []


@pytest.mark.django_db
def test_the_persons_own_name_and_numbers_are_refused():
    user = user_create(
        username="bichngoc",
        password=None,
        full_name="Trần Thị Bích Ngọc",
        roles=["citizen"],
        id_number="031090001234",
        phone="0912345678",
    )
    for password in [
        "tranthibichngoc",
        "Bích Ngọc 1995 ngày mưa",
        "TRAN THI BICH NGOC!!",
        "xe-dap-cua-toi-031090001234",
        "goi-cho-toi-0912345678",
    ]:
        messages = _refused(password, user)
        assert any("thông tin cá nhân" in m for m in messages), password
    assert _refused("ruộng bậc thang mùa lúa chín 47", user) == []


@pytest.mark.django_db
def test_the_admin_refuses_a_common_password_in_vietnamese():
    admin = get_user_model().objects.create_superuser("quantri", password="x" * 20)  # noqa: S106
    target = user_create(username="congdan9", password=None, full_name="A B", roles=["citizen"])
    client = Client()
    client.force_login(admin)
    response = client.post(
        f"/admin/auth/user/{target.pk}/password/",
        {"password1": "congdan1", "password2": "congdan1", "usable_password": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mật khẩu quá ngắn" in html or "quá phổ biến" in html
    target.refresh_from_db()
    assert not target.has_usable_password()
