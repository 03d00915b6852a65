"""Background work of notifications (thin): sending one e-mail/SMS row; the periodic deadline
scan and daily digest, run as `jobs.Job` rows so each run is recorded and retried."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from qlvb.jobs.registry import job_handler, work_handler
from qlvb.jobs.services import job_submit
from qlvb.notifications import deadlines, digest
from qlvb.notifications.channels import render
from qlvb.notifications.email import transport as email_transport
from qlvb.notifications.models import Channel, Message
from qlvb.notifications.sms import transport as sms_transport


@work_handler(Message)
def send_message(message: Message) -> None:
    """Idempotent: a row already marked sent is not sent again. The address is read from the
    directory at each attempt (an administrator who fixes it, then retries, is heard)."""
    if message.sent_at is not None:
        return
    person = message.recipient
    if not message.body and message.notification_id:
        message.subject, message.body = render(message.channel, message.notification, person)
        Message.objects.filter(pk=message.pk).update(subject=message.subject, body=message.body)
    address = person.email if message.channel == Channel.EMAIL else person.phone
    Message.objects.filter(pk=message.pk).update(address=address or "")
    if message.channel == Channel.EMAIL:
        provider = "smtp"
        reference = email_transport.send(to=address, subject=message.subject, body=message.body)
    else:
        provider, reference = sms_transport.send(to=address, text=message.body)
    Message.objects.filter(pk=message.pk).update(
        sent_at=timezone.now(), provider=provider, provider_reference=reference[:200]
    )


def _nudge(pks) -> None:
    from qlvb.jobs.tasks import run_item_task

    for pk in pks:
        run_item_task("notifications.message", pk)


@job_handler("notifications.deadline_scan")
def deadline_scan(job) -> dict:
    report = deadlines.scan()
    _nudge(deadlines.due_message_pks(report.batch))
    return {"notifications": report.notifications, "messages": report.messages}


@job_handler("notifications.digest")
def overdue_digest(job) -> dict:
    return {"messages": digest.digest()}


@db_periodic_task(crontab(minute="*/15"))
def periodic_deadline_scan() -> None:
    job_submit(actor=None, kind="notifications.deadline_scan")


@db_periodic_task(crontab(hour="0", minute="30"))  # 07:30 in Vietnam (UTC+7)
def periodic_digest() -> None:
    job_submit(actor=None, kind="notifications.digest")
