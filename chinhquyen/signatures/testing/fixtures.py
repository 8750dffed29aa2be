"""pytest fixtures for a real PKI on loopback (CA, CRL, OCSP, RFC 3161 TSA).

Registered for the whole suite by the root conftest (`pytest_plugins`).
"""
