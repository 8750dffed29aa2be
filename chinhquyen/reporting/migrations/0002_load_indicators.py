"""Load the indicator catalogue (data/indicators.json). `manage.py reporting load` does the same
after the data file changes."""

from django.db import migrations


def forwards(apps, schema_editor):
    from chinhquyen.reporting.indicators import indicators_load

    indicators_load(
        models=(apps.get_model("reporting", "Indicator"), apps.get_model("reporting", "IndicatorVersion"))
    )


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
