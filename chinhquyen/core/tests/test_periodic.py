"""The periodic jobs: each runs on its interval, a failure does not stop the others, and
``periodic --once`` does the real work (here: a consultation whose period ended is closed)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from chinhquyen.core import periodic

pytestmark = pytest.mark.django_db


def test_each_job_runs_when_its_interval_has_passed():
    calls = []
    jobs = (
        periodic.Job("fast", 10, lambda: calls.append("fast")),
        periodic.Job("slow", 100, lambda: calls.append("slow")),
        periodic.Job("broken", 10, lambda: 1 / 0),
    )
    last: dict[str, float] = {}
    assert periodic.run_due(last, 1000.0, jobs_to_run=jobs) == {
        "fast": None,
        "slow": None,
        "broken": "failed",
    }
    assert periodic.run_due(last, 1005.0, jobs_to_run=jobs) == {}
    assert set(periodic.run_due(last, 1011.0, jobs_to_run=jobs)) == {"fast", "broken"}
    assert calls == ["fast", "slow", "fast"]


def test_the_registry_collects_the_jobs_each_app_declares():
    """Each app declares its jobs in its own ``periodic.py``; core knows none of them."""
    by_name = {job.name: job for job in periodic.jobs()}
    assert by_name.keys() == {
        "signing_batches",
        "consultations_close",
        "notifications_requeue",
        "feedback_reminders",
        "audit_checkpoint",
        "reporting_seal",
        "dossier_files_sweep",
    }
    assert by_name["consultations_close"].run.__module__ == "chinhquyen.consultations.periodic"
    intervals = [job.every_seconds for job in periodic.jobs()]
    assert intervals == sorted(intervals)


def test_once_closes_a_consultation_whose_period_has_ended(world):
    from chinhquyen.catalogue.models import Procedure
    from chinhquyen.catalogue.services import procedure_link_agencies, procedure_save
    from chinhquyen.consultations.models import Consultation
    from chinhquyen.consultations.services import consultation_open
    from conftest import procedure_data

    procedure_save(data=procedure_data("1.000002", online_mode="none"))
    procedure_link_agencies(
        procedure=Procedure.objects.get(code="1.000002"), agencies=[world.agency_a]
    )
    c = consultation_open(
        actor=world.leader_a,
        procedure_code="1.000002",
        title="Thử",
        purpose="Thử",
        planned_mode="full",
        closes_at=timezone.now() + timedelta(days=2),
        threshold_percent=50,
        min_votes=1,
    )
    Consultation.objects.filter(pk=c.pk).update(
        opens_at=timezone.now() - timedelta(days=3), closes_at=timezone.now() - timedelta(minutes=1)
    )
    out = StringIO()
    call_command("periodic", "--once", stdout=out)
    c.refresh_from_db()
    assert c.state == "closed" and c.outcome == "rejected"
    assert "consultations_close: 1" in out.getvalue()
    assert "audit_checkpoint:" in out.getvalue() and "failed" not in out.getvalue()
