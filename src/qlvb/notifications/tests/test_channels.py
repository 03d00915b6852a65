"""E-mail against a real SMTP server process (aiosmtpd) and SMS against a stand-in provider
process: sent, provider errors and timeouts recorded and retried, invalid addresses recorded,
never a crash, never a silent loss."""

import email
import email.policy

import pytest
from django.utils import timezone

from qlvb.jobs import runner
from qlvb.jobs.models import WorkState
from qlvb.notifications.channels import sms_text
from qlvb.notifications.models import Channel, Message
from qlvb.notifications.tests.conftest import deliver
from qlvb.notifications.tests.servers import free_port, sms_provider, smtp_server

pytestmark = pytest.mark.django_db


def run(message) -> str:
    return runner.run_item("notifications.message", message.pk)


def retry_now(message) -> None:
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


@pytest.fixture
def smtp(settings, tmp_path):
    with smtp_server(tmp_path / "mail") as port:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_TIMEOUT = 5
        settings.DEFAULT_FROM_EMAIL = "qlvb@vpubnd.example.vn"
        yield tmp_path / "mail"


@pytest.fixture
def sms(settings, tmp_path):
    with sms_provider(tmp_path / "sms") as provider:
        settings.QLVB_SMS_PROVIDER = "http"
        settings.QLVB_SMS_HTTP = {
            "url": f"http://127.0.0.1:{provider.port}/api/send",
            "method": "POST",
            "json": {"to": "{to}", "message": "{text}", "brand": "{sender}"},
            "headers": {"Authorization": "Bearer test-key"},
            "timeout": 1,
            "reference_field": "id",
        }
        yield provider


def _assigned_email(office, people):
    from qlvb.notifications.tests.conftest import accept_and_direct

    incoming = deliver(office, subject="Về việc tổ chức Hội nghị tổng kết năm 2026")
    accept_and_direct(
        incoming, people, assignments=[{"kind": "lead", "person": people["specialist"]}]
    )
    return incoming, Message.objects.get(recipient=people["specialist"], channel=Channel.EMAIL)


def test_email_reaches_a_real_smtp_server_in_vietnamese_with_a_link(office, people, smtp):
    incoming, message = _assigned_email(office, people)
    assert run(message) == "done"
    [eml] = sorted(smtp.glob("*.eml"))
    parsed = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "chuyenvien@example.vn"
    assert "Được giao xử lý" in parsed["Subject"]
    body = parsed.get_content()
    assert "Kính gửi Chuyenvien" in body
    assert "Về việc tổ chức Hội nghị tổng kết năm 2026" in body
    assert f"/van-ban-den/{incoming.pk}/" in body
    message.refresh_from_db()
    assert message.state == WorkState.DONE and message.sent_at and message.provider == "smtp"
    assert message.provider_reference.startswith("<")
    # Idempotent: a second run of the same row (worker died before "done") sends nothing more.
    from qlvb.notifications.tasks import send_message

    send_message(message)
    assert len(list(smtp.glob("*.eml"))) == 1


def test_smtp_down_is_recorded_and_retried_until_it_answers(office, people, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    _, message = _assigned_email(office, people)
    assert run(message) == "retry"
    message.refresh_from_db()
    assert message.state == WorkState.PENDING and message.attempts == 1
    assert "ConnectionRefused" in message.last_error
    with smtp_server(tmp_path / "mail") as port:
        settings.EMAIL_PORT = port
        retry_now(message)
        assert run(message) == "done"
    message.refresh_from_db()
    assert message.attempts == 2 and message.sent_at
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


def test_an_invalid_address_in_the_directory_is_recorded_not_lost(office, people, smtp):
    people["specialist"].email = "chuyenvien-at-example"
    people["specialist"].save()
    _, message = _assigned_email(office, people)
    assert run(message) == "retry"
    message.refresh_from_db()
    assert "Địa chỉ thư điện tử không hợp lệ" in message.last_error
    assert message.address == "chuyenvien-at-example"
    # The administrator fixes the directory; the next attempt uses the new address.
    people["specialist"].email = "chuyenvien@example.vn"
    people["specialist"].save()
    retry_now(message)
    assert run(message) == "done"
    assert len(list(smtp.glob("*.eml"))) == 1


def test_flash_sms_through_the_provider_with_auth_and_template(office, people, sms, settings):
    settings.QLVB_SMS_ASCII = True
    deliver(office, urgency="hoa_toc", subject="Về việc ứng phó khẩn cấp với lũ quét")
    message = Message.objects.get(channel=Channel.SMS, recipient=people["clerk"])
    assert run(message) == "done"
    [request] = sms.requests()
    assert request["path"] == "/api/send" and request["auth"] == "Bearer test-key"
    import json

    body = json.loads(request["body"])
    assert body["to"] == "84912345678" and body["brand"] == "QLVB"
    assert body["message"].startswith("QLVB: HOA TOC - Van ban den tu So Tai chinh")
    assert len(body["message"]) <= 160 and body["message"].isascii()
    message.refresh_from_db()
    assert message.provider == "http" and message.provider_reference.startswith("msg-")


@pytest.mark.parametrize(
    "mode,error",
    [("error", "HTTP 503"), ("timeout", "timed out"), ("garbage", "không như mong đợi")],
)
def test_provider_errors_and_timeouts_are_recorded_and_retried(office, people, sms, mode, error):
    sms.answer(mode)
    deliver(office, urgency="hoa_toc")
    message = Message.objects.get(channel=Channel.SMS, recipient=people["clerk"])
    assert run(message) == "retry"
    message.refresh_from_db()
    assert message.state == WorkState.PENDING and message.attempts == 1
    assert error in message.last_error
    sms.answer("ok")
    retry_now(message)
    assert run(message) == "done"
    message.refresh_from_db()
    assert message.attempts == 2 and message.sent_at


def test_an_invalid_phone_fails_visibly_after_the_last_attempt(office, people, sms):
    people["clerk"].phone = "12345"
    people["clerk"].save()
    deliver(office, urgency="hoa_toc")
    message = Message.objects.get(channel=Channel.SMS, recipient=people["clerk"])
    Message.objects.filter(pk=message.pk).update(max_attempts=2)
    assert run(message) == "retry"
    retry_now(message)
    assert run(message) == "failed"
    message.refresh_from_db()
    assert message.state == WorkState.FAILED
    assert "Số điện thoại di động không hợp lệ" in message.last_error
    assert not [r for r in sms.requests()]  # never sent to the provider


def test_console_provider_by_default(office, people, caplog):
    deliver(office, urgency="hoa_toc")
    message = Message.objects.get(channel=Channel.SMS, recipient=people["clerk"])
    with caplog.at_level("INFO", logger="qlvb.notifications.sms"):
        assert run(message) == "done"
    assert "SMS to 84912345678" in caplog.text


def test_sms_text_folding_and_length(settings):
    settings.QLVB_SMS_ASCII = True
    text = sms_text("Hỏa tốc: Đề nghị Sở Tài nguyên và Môi trường " * 10)
    assert text.startswith("Hoa toc: De nghi So Tai nguyen va Moi truong")
    assert len(text) == 160 and text.endswith("...")
    settings.QLVB_SMS_ASCII = False
    assert sms_text("Hỏa tốc") == "Hỏa tốc"
