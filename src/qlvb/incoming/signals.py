"""Domain events of incoming documents that other apps listen to without incoming importing them.

`status_changed` is sent inside the transaction of the change, for every step that means an
edXML status for the sender (01 arrived ... 06 done, 15/16 answers to a recall): the outgoing
side updates its delivery in the same transaction, so the two never disagree."""

from django.dispatch import Signal

# kwargs: incoming, status_code, actor, occurred_at, text
status_changed = Signal()
