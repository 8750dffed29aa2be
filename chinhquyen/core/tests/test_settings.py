"""Settings come from the environment, fail loudly on bad values, and production is safe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[3]


def test_typed_helpers_read_and_reject(monkeypatch):
    monkeypatch.setenv("CQ_FLAG", "yes")
    monkeypatch.setenv("CQ_NUM", "12")
    monkeypatch.setenv("CQ_LIST", "a, b,,c")
    assert env_bool("CQ_FLAG", False) is True
    assert env_int("CQ_NUM", 0) == 12
    assert env_list("CQ_LIST", []) == ["a", "b", "c"]
    monkeypatch.setenv("CQ_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="CQ_FLAG"):
        env_bool("CQ_FLAG", False)
    monkeypatch.setenv("CQ_NUM", "twelve")
    with pytest.raises(ImproperlyConfigured, match="CQ_NUM"):
        env_int("CQ_NUM", 0)
    with pytest.raises(ImproperlyConfigured, match="CQ_MISSING"):
        env_str("CQ_MISSING")


def test_a_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret-from-file\n")
    monkeypatch.delenv("CQ_SECRET", raising=False)
    monkeypatch.setenv("CQ_SECRET_FILE", str(secret))
    assert env_str("CQ_SECRET") == "s3cret-from-file"
    monkeypatch.setenv("CQ_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_str("CQ_SECRET")


def _check_production(extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "PUBLIC_BASE_URL")
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production", **extra_env})
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_real_secret_key():
    result = _check_production({})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


PRODUCTION = {
    "SECRET_KEY": "x" * 20 + "-prod-" + "y" * 30,
    "ALLOWED_HOSTS": "dichvucong.example.vn",
    "PUBLIC_BASE_URL": "https://dichvucong.example.vn",
}


def test_production_passes_djangos_deployment_checks():
    result = _check_production(PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("value", [None, "", "dichvucong.example.vn"])
def test_production_refuses_to_start_without_the_public_address(value):
    env = {k: v for k, v in PRODUCTION.items() if k != "PUBLIC_BASE_URL"}
    if value is not None:
        env["PUBLIC_BASE_URL"] = value
    result = _check_production(env)
    assert result.returncode != 0
    assert "PUBLIC_BASE_URL" in result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "True 5"),
        ({"DATABASE_PREPARE_THRESHOLD": "none"}, "True None"),
        ({"DATABASE_PREPARE_THRESHOLD": "1"}, "True 1"),
        ({"DATABASE_SERVER_SIDE_BINDING": "false"}, "None None"),
    ],
)
def test_postgresql_binds_on_the_server_and_prepares_unless_told_not_to(env, expected):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")},
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x",
        **env,
    }
    code = (
        "from django.conf import settings;"
        "o = settings.DATABASES['default'].get('OPTIONS', {});"
        "print(o.get('server_side_binding'), o.get('prepare_threshold'))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", f"import django;django.setup();{code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


# --- production is the default for the servers and the installed command (#19, item 7) --------

ENTRY_POINTS = {
    "wsgi": "import config.wsgi; from django.conf import settings",
    "asgi": "import config.asgi; from django.conf import settings",
    # the `chinhquyen` console script (pyproject: config.cli:main), asked for Django's settings
    "cli": "import sys; sys.argv = ['chinhquyen', 'check']; from config.cli import main; main(); "
    "from django.conf import settings",
}


def _start(entry: str, extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG", "PUBLIC_BASE_URL")
    }
    env.update(extra_env)
    code = ENTRY_POINTS[entry] + "; print(settings.SETTINGS_MODULE, settings.DEBUG)"
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_without_a_settings_module_the_entry_points_refuse_to_start_without_secrets(entry):
    """A gunicorn (or the `chinhquyen` command) started without DJANGO_SETTINGS_MODULE runs the
    production profile, which refuses to start without a SECRET_KEY — never DEBUG on."""
    result = _start(entry, {})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "config.settings.local" not in result.stdout


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_without_a_settings_module_the_entry_points_run_production(entry):
    result = _start(entry, PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "config.settings.production False"
