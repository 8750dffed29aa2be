from config.cli import translate


def test_the_chinhquyen_command_maps_group_and_verb_to_a_management_command():
    assert translate(["audit", "verify"]) == ["audit_verify"]
    assert translate(["catalogue", "import", "f.json", "--dry-run"]) == [
        "catalogue_import",
        "f.json",
        "--dry-run",
    ]
    assert translate(["migrate"]) == ["migrate"]
