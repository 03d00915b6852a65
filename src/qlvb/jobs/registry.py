"""Which function processes which kind of work row.

    @work_handler(Delivery)             # any WorkItem subclass, keyed by its model label
    def deliver(delivery): ...

    @job_handler("directory.import")    # generic Job rows, keyed by Job.kind
    def import_directory(job): ...      # a returned JSON-able value is kept in Job.result

Register handlers in your app's `tasks.py` (the jobs app imports every app's `tasks` module when
Django starts, in the web process and in the worker alike).

Handlers must be idempotent: a row may be processed twice (a worker killed after the work but
before the "done" mark, a lease that expired under a slow handler). Check what is already done
(get_or_create, "already delivered?" flags, idempotency keys sent to peers) before doing it.

`batch=N` hands the handler a list of up to N rows claimed together (the nudged one first, then
other due rows of the model, oldest first) and expects a dict {pk: result or Exception} back:
for work that is much cheaper done together (a document delivered to 220 agencies is 220 rows
written in one transaction, not 220 transactions that each take the audit chain's lock). A row
whose value is an Exception fails (or retries) alone; an exception raised by the handler fails
the whole batch.

`atomic=True` runs the handler and the "done" mark in one transaction, rolled back if another
worker took the row over meanwhile: for short handlers that only write to this database. Leave
it False for handlers that call other systems or run long (on SQLite a transaction holds the
single write lock for its whole duration).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

from qlvb.jobs.models import Job, WorkItem


@dataclass(frozen=True)
class Registration:
    model: type[WorkItem]
    handler: Callable
    atomic: bool = False
    batch: int = 1


_by_label: dict[str, Registration] = {}
_job_kinds: dict[str, Registration] = {}


def register(
    model: type[models.Model], handler: Callable, *, atomic: bool = False, batch: int = 1
) -> None:
    if not (isinstance(model, type) and issubclass(model, WorkItem)) or model._meta.abstract:
        raise TypeError(f"{model!r} is not a concrete WorkItem model")
    if model is Job:
        raise TypeError("Register Job handlers per kind with job_handler(kind)")
    if batch < 1:
        raise ValueError("batch must be at least 1")
    _by_label[model._meta.label_lower] = Registration(model, handler, atomic, batch)


def work_handler(model: type[models.Model], *, atomic: bool = False, batch: int = 1):
    def decorator(fn: Callable) -> Callable:
        register(model, fn, atomic=atomic, batch=batch)
        return fn

    return decorator


def job_handler(kind: str, *, atomic: bool = False):
    def decorator(fn: Callable) -> Callable:
        _job_kinds[kind] = Registration(Job, fn, atomic)
        return fn

    return decorator


def job_kinds() -> list[str]:
    return sorted(_job_kinds)


def _dispatch_job(job: Job):
    registration = _job_kinds.get(job.kind)
    if registration is None:
        from qlvb.jobs.runner import PermanentError

        raise PermanentError(f"Không có bộ xử lý cho loại tác vụ “{job.kind}”.")
    return registration.handler(job)


def registration_for(label: str) -> Registration:
    """LookupError if nothing processes rows of that model."""
    label = label.lower()
    if label == Job._meta.label_lower:
        return Registration(Job, _dispatch_job, atomic=False)
    try:
        return _by_label[label]
    except KeyError:
        raise LookupError(f"No work handler registered for {label}") from None


def job_registration(kind: str) -> Registration | None:
    return _job_kinds.get(kind)


def registered_models() -> list[type[WorkItem]]:
    """Every model the runner and the sweep look after; Job always first."""
    return [Job, *(r.model for _, r in sorted(_by_label.items()))]


def is_registered(label: str) -> bool:
    try:
        registration_for(label)
    except LookupError:
        return False
    return True
