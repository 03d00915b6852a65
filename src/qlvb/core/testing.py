"""pytest plugin (`-p qlvb.core.testing` in pyproject) that sets the test environment.

It is imported while pytest parses its options, before pytest-django imports the settings, so
these variables are seen by settings.py (a conftest.py is imported too late for that)."""

import os

os.environ.setdefault("QLVB_HUEY_IMMEDIATE", "1")
os.environ.setdefault("QLVB_SECURE_COOKIES", "0")
# OCR of every scan a test uploads would cost seconds each; the OCR tests turn it on themselves.
os.environ.setdefault("QLVB_OCR", "0")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
