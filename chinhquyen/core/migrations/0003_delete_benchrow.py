from django.db import migrations


class Migration(migrations.Migration):
    """The benchmark's table leaves the product: production databases lose core_benchrow (its
    rows only ever existed in throwaway benchmark databases); the benchmark harness has its own
    (benchmarks/migrations/0001_initial.py), installed only where a benchmark runs."""

    dependencies = [("core", "0002_pagecacheversion")]

    operations = [migrations.DeleteModel(name="BenchRow")]
