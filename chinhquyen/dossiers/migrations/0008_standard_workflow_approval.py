"""The standard workflow gains the handler's submission to the leader (pending_approval), the
leader's return for revision, and the seal that issues a signed result."""

from django.db import migrations


def forwards(apps, schema_editor):
    from chinhquyen.dossiers.workflow_standard import install

    install(
        apps.get_model("dossiers", "Workflow"),
        apps.get_model("dossiers", "WorkflowState"),
        apps.get_model("dossiers", "WorkflowAction"),
    )


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0007_result_lineage")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
