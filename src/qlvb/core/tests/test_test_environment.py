from django.conf import settings


def test_tests_run_jobs_in_process_and_never_send_real_mail():
    # Guards the qlvb.core.testing plugin: a test run must not fill the data folder's queue
    # or reach an SMTP server by accident.
    assert settings.HUEY["immediate"] is True
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"
    assert settings.SESSION_COOKIE_SECURE is False
