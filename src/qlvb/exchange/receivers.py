"""Signals the exchange app listens to (filled in by the delivery work)."""
