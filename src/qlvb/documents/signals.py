"""Events of the documents app that other apps listen to without documents importing them.

`documents_added` is sent inside the transaction by `documents_create_many`, which inserts in
bulk and therefore sends no `post_save`: the search index and the signature checks learn of the
new documents and files from it (kwargs: documents, attachments)."""

from django.dispatch import Signal

documents_added = Signal()
