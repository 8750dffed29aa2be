"""The README's API example works when pasted: its shell block, run as it is against a server with
the demo loaded (only the address changed to the test server's)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.django_db(transaction=True)


def readme_api_block() -> str:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Try the API", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_the_readme_api_example_files_a_dossier(live_server):
    from chinhquyen.demo.services import demo_load
    from chinhquyen.dossiers.services import workflow_install_standard

    workflow_install_standard()  # a transactional test may follow one that flushed it
    demo_load()
    block = readme_api_block()
    assert "@dossier.json" not in block and "localhost:8000" in block
    address = live_server.url.removeprefix("http://")
    result = subprocess.run(  # noqa: S603 - the README's own commands, on loopback
        ["/bin/bash", "-euo", "pipefail", "-c", block.replace("localhost:8000", address)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    procedures, due, dossier = (json.loads(line) for line in result.stdout.splitlines())
    assert any(p["code"] == "1.001193" for p in procedures["items"])
    assert due["due_at"] == "2026-02-27T09:00:00+07:00"
    assert dossier["status"] == "submitted" and dossier["procedure"] == "1.001266", dossier
    assert dossier["code"].startswith("000.01.90.H26-")
