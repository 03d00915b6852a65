"""Who is acting and from where, for the current request or command (read by the audit log)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class ActingContext:
    client_address: str = ""
    channel: str = ""  # "web", "api", "cli", "job"


_DEFAULT = ActingContext()
_current: ContextVar[ActingContext | None] = ContextVar("qlvb_acting", default=None)


def current() -> ActingContext:
    return _current.get() or _DEFAULT


def set_current(ctx: ActingContext):
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)
