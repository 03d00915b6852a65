"""Outgoing benchmarks (issue 4, "Measured"): issuing one document to every agency of the
province on the installation (~220) until every reception queue has it, and the sender's
tracking page of a document with 220 recipients.

Data: the province-sized dataset of the incoming benchmarks (`qlvb generate`, reused between
runs; see qlvb.incoming.bench): 220 agencies on the installation whose reception queues already
hold their share of a million documents. Each sample issues a new document, so a run adds
220 incoming documents per sample to the dataset (a few thousand at most).
"""

from __future__ import annotations

import functools
import io
import threading
import time

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qlvb.agencies.models import Agency, Person
from qlvb.core.bench import Benchmark, register
from qlvb.incoming.bench import _context as incoming_context
from qlvb.incoming.bench import _defaults_sql, use_database

PEOPLE = {"clerk": "vanthu.vpubnd", "signer": "lanhdao.vpubnd", "drafter": "chuyenvien.vpubnd"}
# The worker's threads (QLVB_WORKER_THREADS, the huey consumer's; 2 by default).
WORKERS = settings.HUEY["consumer"]["workers"]
DELIVERY_TARGET = 2.0
TRACKING_TARGET = 0.100


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(2):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _people() -> dict[str, Person]:
    return {key: Person.objects.get(username=name) for key, name in PEOPLE.items()}


def _recipient_agencies(sender_id: int) -> list[int]:
    return list(
        Agency.objects.filter(on_installation=True, is_active=True)
        .exclude(pk=sender_id)
        .order_by("id")
        .values_list("id", flat=True)
    )


def _signed(people: dict[str, Person], agencies: list[int], n: int):
    """A draft by the specialist, approved and signed by the leader: ready to issue."""
    from qlvb.core import context
    from qlvb.documents.models import DocumentType
    from qlvb.documents.services import Upload
    from qlvb.outgoing import services

    token = context.set_current(context.ActingContext(channel="web"))
    try:
        outgoing = services.outgoing_create(
            actor=people["drafter"],
            metadata={
                "document_type": DocumentType.objects.get(name="Công văn"),
                "type_name": "Công văn",
                "subject": f"V/v triển khai kế hoạch chuyển đổi số năm 2026 (đo hiệu năng {n})",
                "due_date": timezone.localdate() + timezone.timedelta(days=10),
            },
            recipients=[{"agency": pk} for pk in agencies],
            signer=people["signer"],
            uploads=[Upload(io.BytesIO(_pdf()), "ke-hoach.pdf")],
        )
        outgoing = services.outgoing_submit(
            actor=people["drafter"], outgoing=outgoing, chain=[people["signer"]]
        )
        services.outgoing_approve(actor=people["signer"], outgoing=outgoing)
        services.outgoing_sign(actor=people["signer"], outgoing=outgoing)
    finally:
        context.reset(token)
    outgoing.refresh_from_db()
    return outgoing


def _drain(errors: list) -> None:
    """One worker thread: the job runner's own loop (run_due → run_item → the delivery
    handler), as the huey consumer's threads run it, without the queue's polling delay."""
    from qlvb.jobs.runner import run_due

    try:
        run_due()
    except Exception as exc:  # reported by the sample, not swallowed
        errors.append(exc)
    finally:
        connection.close()


@functools.cache
def _context(quick: bool) -> dict:
    ctx = incoming_context(quick)
    with use_database(ctx["db"]):
        people = _people()
        agencies = _recipient_agencies(people["clerk"].agency_id)
    return {
        "db": ctx["db"],
        "people": {k: p.pk for k, p in people.items()},
        "agencies": agencies,
        "size": f"{len(agencies)} recipient agencies on the installation; "
        f"{ctx['agency_documents']:,} documents in the sender's agency; "
        "1 000 000 documents in all".replace(",", " ")
        if not quick
        else f"{len(agencies)} recipient agencies (quick dataset)",
    }


def _deliver_setup(quick: bool):
    ctx = _context(quick)
    _set_sizes(ctx["size"])
    return ctx


def _set_sizes(size: str) -> None:
    for bench in (DELIVERY, TRACKING):
        bench.size = size


def _deliver_run(state, quick: bool) -> list[float]:
    from qlvb.core import context
    from qlvb.incoming.models import IncomingDocument, IncomingState
    from qlvb.jobs.runner import run_due
    from qlvb.outgoing import services
    from qlvb.outgoing.models import Delivery

    samples = []
    stamp = int(time.time()) % 100_000
    with use_database(state["db"]):
        people = {k: Person.objects.get(pk=pk) for k, pk in state["people"].items()}
        run_due()  # work the dataset left pending, untimed: a running worker would have done it
        for i in range(2 if quick else 5):
            outgoing = _signed(people, state["agencies"], stamp * 10 + i)
            run_due()  # the signed file's text and check, while it waits to be issued
            errors: list = []
            token = context.set_current(context.ActingContext(channel="web"))
            start = time.perf_counter()
            try:
                services.outgoing_issue(actor=people["clerk"], outgoing=outgoing)
            finally:
                context.reset(token)
            threads = [threading.Thread(target=_drain, args=(errors,)) for _ in range(WORKERS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            took = time.perf_counter() - start
            if errors:
                raise errors[0]
            queued = IncomingDocument.objects.filter(
                origin_reference__in=[
                    d.origin_reference for d in Delivery.objects.filter(outgoing=outgoing)
                ],
                state=IncomingState.RECEIVED,
            ).count()
            if queued != len(state["agencies"]):
                raise AssertionError(f"{queued} of {len(state['agencies'])} queues have it")
            samples.append(took)
        state["tracked"] = outgoing.pk  # the last one, for the tracking page
    return samples


def _deliver_floor(state, quick: bool) -> list[float]:
    """The rows the deliveries write, as bare INSERTs, one transaction per recipient, one
    connection: the document, the incoming row, one attachment (blob already stored), the
    timeline event and the delivery's status update."""
    from qlvb.documents.models import Attachment, Blob

    samples = []
    with use_database(state["db"]):
        blob_id = Blob.objects.order_by("-id").values_list("id", flat=True).first()
        doc_cols = (
            "created_at, updated_at, agency_id, type_name, code_number, code_notation, "
            "issued_date, organ_name, subject, language, description, signer_competence, "
            "signer_position, signer_full_name, urgency, confidentiality, to_places"
        )
        extra_doc = _defaults_sql("documents_document", doc_cols)
        inc_cols = (
            "document_id, agency_id, state, source, origin_reference, direction, urgency_rank, "
            "rejected_reason, created_at"
        )
        extra_inc = _defaults_sql("incoming_incomingdocument", inc_cols)
        for n in range(2 if quick else 5):
            start = time.perf_counter()
            for agency_id in state["agencies"]:
                now = timezone.now()
                with transaction.atomic(), connection.cursor() as cur:
                    cur.execute(
                        f"INSERT INTO documents_document ({doc_cols}{extra_doc[0]}) VALUES "  # noqa: S608
                        f"(%s, %s, %s, 'Công văn', '12', 'UBND-KGVX', %s, 'Văn phòng UBND', "
                        f"%s, 'Tiếng Việt', '', '', '', '', 'thuong', 'thuong', '[]'"
                        f"{extra_doc[1]}) RETURNING id",
                        [now, now, agency_id, now.date(), f"Đo sàn {n}"],
                    )
                    doc_id = cur.fetchone()[0]
                    cur.execute(
                        f"INSERT INTO incoming_incomingdocument ({inc_cols}{extra_inc[0]}) "  # noqa: S608
                        f"VALUES (%s, %s, 'received', 'electronic', %s, '', 0, '', %s"
                        f"{extra_inc[1]}) RETURNING id",
                        [doc_id, agency_id, f"floor:{n}:{agency_id}:{time.time()}", now],
                    )
                    inc_id = cur.fetchone()[0]
                    cur.execute(
                        f"INSERT INTO {Attachment._meta.db_table} (document_id, blob_id, "  # noqa: S608
                        "original_name, content_type, size, page_count, role, position, "
                        "created_at) VALUES (%s, %s, 'ke-hoach.pdf', 'application/pdf', 1000, "
                        "2, 'main', 0, %s)",
                        [doc_id, blob_id, now],
                    )
                    cur.execute(
                        "INSERT INTO incoming_timelineevent (incoming_id, occurred_at, kind, "
                        "status_code, text, details) VALUES (%s, %s, 'received', '01', '', '{}')",
                        [inc_id, now],
                    )
                    cur.execute(
                        "UPDATE outgoing_delivery SET status_changed_at = %s WHERE id = "
                        "(SELECT MIN(id) FROM outgoing_delivery)",
                        [now],
                    )
            samples.append(time.perf_counter() - start)
    return samples


DELIVERY = register(
    Benchmark(
        name="outgoing_issue_to_all_agencies",
        title="issuing one document to every agency on the installation: wall time from "
        "outgoing_issue (number, register entry, one delivery per recipient in the same "
        f"transaction) until every reception queue holds it, the delivery jobs run by the job "
        f"runner in {WORKERS} worker threads (files, incoming document, timeline, status 01 "
        "back to the sender, audit)",
        size="",
        target_seconds=DELIVERY_TARGET,
        metric="total",
        setup=_deliver_setup,
        run=_deliver_run,
        floor=_deliver_floor,
        notes="Median of the samples (each a new document to all agencies). Floor: the rows the "
        "deliveries write, as bare INSERTs, one transaction per recipient, on one connection.",
    )
)


# --- tracking page -------------------------------------------------------------------------------


def _tracking_setup(quick: bool):
    ctx = _context(quick)
    _set_sizes(ctx["size"])
    state = dict(ctx)
    with use_database(ctx["db"]):
        from qlvb.outgoing.models import Delivery, OutgoingDocument

        tracked = ctx.get("tracked")
        if tracked is None:  # the delivery benchmark did not run: issue one now
            _deliver_run(state, True)
            tracked = state["tracked"]
        ctx["tracked"] = tracked
        outgoing = OutgoingDocument.objects.get(pk=tracked)
        # The recipients' answers, so the page shows every kind of state and times.
        deliveries = list(Delivery.objects.filter(outgoing=outgoing).order_by("id"))
        for index, delivery in enumerate(deliveries):
            status = ("03", "02", "04", "05", "06", "01")[index % 6]
            Delivery.objects.filter(pk=delivery.pk).update(
                status=status,
                accepted_at=timezone.now() if status in ("03", "04", "05", "06") else None,
                acted_by_name="Nguyễn Văn Thư",
            )
        state["tracked"] = tracked
        state["recipients"] = len(deliveries)
    return state


def _tracking_run(state, quick: bool) -> list[float]:
    samples = []
    with use_database(state["db"]):
        clerk = Person.objects.get(pk=state["people"]["clerk"])
        client = Client(HTTP_HOST="localhost")
        client.force_login(clerk)
        url = reverse("outgoing:tracking", args=[state["tracked"]])
        for i in range((10 if quick else 50) + 2):
            start = time.perf_counter()
            response = client.get(url, secure=True)
            took = time.perf_counter() - start
            if response.status_code != 200:
                raise AssertionError(f"tracking page answered {response.status_code}")
            if response.content.decode().count('data-testid="delivery"') != state["recipients"]:
                raise AssertionError("tracking page does not list every recipient")
            if i >= 2:
                samples.append(took)
    return samples


def _tracking_floor(state, quick: bool) -> list[float]:
    from qlvb.outgoing import selectors
    from qlvb.outgoing.models import Delivery, OutgoingDocument

    samples = []
    with use_database(state["db"]):
        clerk = Person.objects.get(pk=state["people"]["clerk"])
        outgoing = OutgoingDocument.objects.get(pk=state["tracked"])
        rows_sql = selectors.deliveries_for(viewer=clerk, outgoing=outgoing).query
        sql, params = rows_sql.sql_with_params()
        counts = Delivery.objects.filter(outgoing_id=outgoing.pk).values("status")
        csql, cparams = counts.query.sql_with_params()
        with connection.cursor() as raw:
            for i in range((10 if quick else 50) + 2):
                start = time.perf_counter()
                raw.execute(sql, params)
                raw.fetchall()
                raw.execute(f"SELECT status, COUNT(*) FROM ({csql}) s GROUP BY status", cparams)  # noqa: S608
                raw.fetchall()
                if i >= 2:
                    samples.append(time.perf_counter() - start)
    return samples


TRACKING = register(
    Benchmark(
        name="outgoing_tracking_page",
        title="the sender's tracking page (theo dõi) of a document issued to every agency on "
        "the installation: GET through the whole Django stack (session, middleware, view, "
        "template of every recipient row with status, times and who acted), server time",
        size="",
        target_seconds=TRACKING_TARGET,
        metric="p95",
        setup=_tracking_setup,
        run=_tracking_run,
        floor=_tracking_floor,
        notes="Floor: the page's two queries (recipients with agency, line and incoming copy; "
        "the counts) as bare SQL, no rendering.",
    )
)
