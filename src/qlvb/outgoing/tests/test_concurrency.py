"""Clerks issuing at once on PostgreSQL get gapless, unique numbers, and every delivery lands."""

import threading

import pytest
from django.db import connection, connections

from qlvb.documents.services import Upload
from qlvb.incoming.models import IncomingDocument
from qlvb.outgoing import services
from qlvb.outgoing.models import OutgoingDocument

from .conftest import client_for, make_person, make_recipients, pdf

CLERKS, EACH = 8, 8


def _signed(people, agency, n):
    outgoing = services.outgoing_create(
        actor=people["specialist"],
        metadata={"subject": f"V/v thử nghiệm {n}", "type_name": "Công văn"},
        recipients=[{"agency": agency.pk}],
        signer=people["signer"],
        uploads=[Upload(pdf(), "du-thao.pdf")],
    )
    services.outgoing_submit(actor=people["specialist"], outgoing=outgoing, chain=[])
    services.outgoing_approve(actor=people["signer"], outgoing=outgoing)
    services.outgoing_sign(actor=people["signer"], outgoing=outgoing)
    return outgoing


@pytest.mark.django_db(transaction=True)
def test_parallel_issuing_numbers_are_gapless_and_unique(people):
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is a PostgreSQL property; SQLite serialises writers")
    target = make_recipients(1)[0]
    docs = [_signed(people, target["agency"], n) for n in range(CLERKS * EACH)]
    agency = people["clerk"].agency
    clerks = [make_person(f"vanthu{i}.ubnd", agency, "clerk") for i in range(CLERKS)]
    failures: list[str] = []

    def work(person, mine):
        client = client_for(person)
        try:
            for outgoing in mine:
                response = client.post(f"/api/v1/outgoing/{outgoing.pk}/issue")
                if response.status_code != 200:
                    failures.append(f"{response.status_code} {response.content[:200]!r}")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=work, args=(p, docs[i * EACH : (i + 1) * EACH]))
        for i, p in enumerate(clerks)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    numbers = sorted(OutgoingDocument.objects.values_list("number", flat=True))
    assert numbers == list(range(1, CLERKS * EACH + 1))
    # Issuing enqueued each delivery on commit (the queue runs in-process in tests).
    assert IncomingDocument.objects.filter(agency=target["agency"]).count() == CLERKS * EACH
