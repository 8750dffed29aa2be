import json

import pytest
from django.core.management import CommandError, call_command

from chinhquyen.catalogue.models import Procedure

from . import factories

pytestmark = pytest.mark.django_db


def write(path, doc):
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_the_import_command_loads_a_file_and_prints_the_counts(tmp_path, capsys):
    call_command(
        "catalogue_import", write(tmp_path / "c.json", factories.document(factories.birth()))
    )

    assert "1 thủ tục mới" in capsys.readouterr().out
    assert Procedure.objects.filter(code="1.001193").exists()


def test_the_import_command_prints_each_error_on_its_own_line_and_fails(tmp_path, capsys):
    doc = factories.document(
        factories.birth(processing_time=0), factories.building(online_mode="x")
    )

    with pytest.raises(CommandError, match="2 lỗi"):
        call_command("catalogue_import", write(tmp_path / "c.json", doc))

    assert capsys.readouterr().err.splitlines() == [
        "procedures[0].processing_time: phải lớn hơn 0",
        "procedures[1].online_mode: phải là full (toàn trình), partial (một phần) hoặc none",
    ]
    assert not Procedure.objects.exists()


def test_the_import_command_has_a_dry_run(tmp_path, capsys):
    call_command(
        "catalogue_import",
        write(tmp_path / "c.json", factories.document(factories.birth())),
        "--dry-run",
    )

    assert "chạy thử" in capsys.readouterr().out
    assert not Procedure.objects.exists()


def test_the_import_command_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Không đọc được"):
        call_command("catalogue_import", str(tmp_path / "absent.json"))


def test_the_export_command_writes_json_to_stdout(load_json, capsys):
    load_json(factories.document(factories.birth()))

    call_command("catalogue_export")

    exported = json.loads(capsys.readouterr().out)
    assert [p["code"] for p in exported["procedures"]] == ["1.001193"]


def test_the_export_command_needs_a_file_for_xlsx(db):
    with pytest.raises(CommandError, match="-o"):
        call_command("catalogue_export", "--format", "xlsx")
