from django.db import migrations


def forwards(apps, schema_editor):
    from chinhquyen.dossiers.workflow_standard import install

    install(
        apps.get_model("dossiers", "Workflow"),
        apps.get_model("dossiers", "WorkflowState"),
        apps.get_model("dossiers", "WorkflowAction"),
    )


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0002_workflow_action_target")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
