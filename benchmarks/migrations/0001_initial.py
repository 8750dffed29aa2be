from django.db import migrations, models


class Migration(migrations.Migration):
    """The bare endpoints' table, formerly core_benchrow (core's 0003 drops that one)."""

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="BenchRow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("payload", models.JSONField(default=dict)),
            ],
        ),
    ]
