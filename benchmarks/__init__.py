"""The benchmark harness of ``make bench*`` (docs/benchmarks.md): the bare endpoints and their
table, the data generators and the management commands the scripts drive.

Not part of the product: ``pyproject.toml`` does not install this package, and it is a Django
app only where a benchmark runs (``BENCHMARKS`` or ``BENCH_ENDPOINTS`` on, see
config/settings/base.py; the test profile installs it for its own tests), so a production
database has none of its tables."""
