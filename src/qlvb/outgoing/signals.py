"""Domain events of outgoing documents that other apps listen to (the exchange app sends the
deliveries to agencies elsewhere). Sent inside the transaction of the change."""

from django.dispatch import Signal

# kwargs: outgoing, deliveries (the Delivery rows just created)
deliveries_created = Signal()
# kwargs: outgoing, reason, actor
recalled = Signal()
