"""The navigation's counts of incoming documents start afresh after any change to the agency's
incoming documents or assignments (selectors.incoming_nav_counts), once the change commits."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from qlvb.incoming.models import Assignment, IncomingDocument
from qlvb.incoming.selectors import nav_counts_changed


@receiver(post_save, sender=IncomingDocument, dispatch_uid="incoming_nav_document")
@receiver(post_delete, sender=IncomingDocument, dispatch_uid="incoming_nav_document_gone")
def incoming_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        transaction.on_commit(partial(nav_counts_changed, instance.agency_id))


@receiver(post_save, sender=Assignment, dispatch_uid="incoming_nav_assignment")
@receiver(post_delete, sender=Assignment, dispatch_uid="incoming_nav_assignment_gone")
def assignment_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        # The assignment is almost always saved with its document at hand (no query then).
        transaction.on_commit(partial(nav_counts_changed, instance.incoming.agency_id))
