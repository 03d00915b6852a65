"""Domain events of incoming documents that other apps listen to without incoming importing them.

`status_changed` is sent inside the transaction of the change, for every step that means an
edXML status for the sender (01 arrived ... 06 done, 15/16 answers to a recall): the outgoing
side updates its delivery in the same transaction, so the two never disagree.

It carries a list: one document for a clerk's or a leader's step, every recipient's copy at
once when a document issued to 220 agencies arrives (status 01), so receivers can do their work
in a few statements rather than 220 times over."""

from django.dispatch import Signal

# kwargs: incomings (list), status_code, actor, occurred_at, text
status_changed = Signal()
