"""Test-wide settings: jobs run in the test process unless a test starts real workers."""

import os

os.environ.setdefault("QLVB_HUEY_IMMEDIATE", "1")
os.environ.setdefault("QLVB_SECURE_COOKIES", "0")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
