"""pytest plugin (`-p qlvb.core.testing` in pyproject) that sets the test environment.

It is imported while pytest parses its options, before pytest-django imports the settings, so
these variables are seen by settings.py (a conftest.py is imported too late for that)."""

import os

import pytest

os.environ.setdefault("QLVB_HUEY_IMMEDIATE", "1")
os.environ.setdefault("QLVB_SECURE_COOKIES", "0")
# OCR of every scan a test uploads would cost seconds each; the OCR tests turn it on themselves.
os.environ.setdefault("QLVB_OCR", "0")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test starts with empty caches: the database is rolled back between tests, so a
    cached figure (e.g. the navigation's counts) could outlive the rows it counted."""
    yield
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        cache.clear()
