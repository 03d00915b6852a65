"""Test-wide fixtures. The environment itself is set by the `qlvb.core.testing` plugin."""
