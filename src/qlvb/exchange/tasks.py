"""Background work of the exchange: sending outbox rows (with the runner's back-off until the
peer acknowledges), pulling from the axis and platforms, directory sync."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from qlvb.exchange.models import OutboxMessage, SpooledPackage
from qlvb.jobs.registry import job_handler, work_handler

logger = logging.getLogger("qlvb.exchange")


@work_handler(OutboxMessage)
def send(message: OutboxMessage):
    from qlvb.exchange.services import send_outbox_message

    return send_outbox_message(message)


@work_handler(SpooledPackage)
def register(item: SpooledPackage):
    from qlvb.exchange.services import register_spooled

    return register_spooled(item)


@db_periodic_task(crontab(minute="*"))
def pull_peers() -> None:
    """Every minute: fetch what waits for us at the axis and the platforms."""
    from qlvb.exchange.models import Peer
    from qlvb.exchange.services import pull

    for peer in Peer.objects.filter(is_active=True, pulls=True):
        try:
            pull(peer=peer)
        except Exception as exc:  # recorded for the administrators; retried next minute
            Peer.objects.filter(pk=peer.pk).update(last_pull_error=str(exc)[:2000])
            logger.warning("pull from %s failed: %s", peer, exc)


@db_periodic_task(crontab(minute="*/10"))
def clean_spool() -> None:
    """Every 10 minutes: files left in the spool by killed processes."""
    from qlvb.exchange.services import spool_cleanup

    spool_cleanup()


@job_handler("exchange.directory_sync")
def directory_sync(job) -> dict:
    from qlvb.exchange.models import Peer
    from qlvb.exchange.services import directory_sync as sync

    return sync(actor=job.created_by, peer=Peer.objects.get(pk=job.payload["peer"]))
