"""The reporting generator's test runs on the reporting tests' geography."""

from chinhquyen.reporting.tests.conftest import geo  # noqa: F401 - a fixture, used by name
