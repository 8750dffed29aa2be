"""A password hasher that counts its work, for the throttle's tests (registered through
PASSWORD_HASHERS, Django's public way to choose hashers)."""

from __future__ import annotations

import threading

from django.contrib.auth.hashers import MD5PasswordHasher


class CountingMD5Hasher(MD5PasswordHasher):
    calls = 0
    _lock = threading.Lock()

    def encode(self, password, salt):
        with CountingMD5Hasher._lock:
            CountingMD5Hasher.calls += 1
        return super().encode(password, salt)
