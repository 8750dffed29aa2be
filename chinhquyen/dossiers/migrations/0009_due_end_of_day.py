"""Deadlines of the dossiers still running, written on the day they run out.

Until now a time limit of whole working days counted from the opening of a day was stored as the
opening of the day after it ("07:30 on Wednesday" for a one-day dossier received after 15:00 on
Monday); ``calendar.due_date`` now returns the close of the last working day instead ("17:00 on
Tuesday"): docs/decisions/0002-deadline-at-the-close-of-the-last-working-day.md. No working time
lies between the two, so the legal deadline is the same and no audit record is written.

Only dossiers not yet finished are rewritten: a finished dossier's on-time verdict is already in
its history (the ``finish`` event's ``on_time``) and in the reporting counters and roll-ups, and
it must stay the one it was judged by. Open inter-agency steps are rewritten too.
"""

from django.db import migrations

BATCH = 1000


def _end(value):
    from chinhquyen.core.errors import ValidationFailed
    from chinhquyen.workdays.calendar import deadline_end

    if value is None:
        return None
    try:
        return deadline_end(value)
    except ValidationFailed:  # outside the calendar's years: left as it is
        return value


def _rewrite(queryset, model, fields):
    changed = []
    for row in queryset.only("pk", *fields).iterator(chunk_size=BATCH):
        dirty = False
        for name in fields:
            old = getattr(row, name)
            new = _end(old)
            if new is not None and new != old:
                setattr(row, name, new)
                dirty = True
        if dirty:
            changed.append(row)
        if len(changed) >= BATCH:
            model.objects.bulk_update(changed, fields)
            changed = []
    if changed:
        model.objects.bulk_update(changed, fields)


def forwards(apps, schema_editor):
    from chinhquyen.workdays.calendar import calendar_cache_clear

    calendar_cache_clear()
    Dossier = apps.get_model("dossiers", "Dossier")
    DossierStep = apps.get_model("dossiers", "DossierStep")
    _rewrite(
        Dossier.objects.filter(finished_at__isnull=True, due_at__isnull=False),
        Dossier,
        ["due_at", "state_due_at", "original_due_at"],
    )
    _rewrite(DossierStep.objects.filter(completed_at__isnull=True), DossierStep, ["due_at"])
    calendar_cache_clear()


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0008_standard_workflow_approval"),
        ("workdays", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
