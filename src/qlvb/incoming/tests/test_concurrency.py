"""20 clerks registering at once on PostgreSQL get numbers 1..1000: none missing, none twice."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from qlvb.incoming.models import IncomingDocument

from .conftest import make_person

CLIENTS, EACH = 20, 50


@pytest.mark.django_db(transaction=True)
def test_parallel_registration_numbers_are_gapless_and_unique(office):
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is a PostgreSQL property; SQLite serialises writers")
    clerks = [make_person(f"vanthu{i}", office, "clerk") for i in range(CLIENTS)]
    failures: list[str] = []

    def work(person, n):
        client = Client()
        client.force_login(person)
        try:
            for i in range(EACH):
                response = client.post(
                    "/api/v1/incoming",
                    {
                        "subject": f"V/v thử nghiệm {n}-{i}",
                        "code_number": f"{n}{i}",
                        "organ_name": f"Cơ quan {n}",
                    },
                )
                if response.status_code != 201:
                    failures.append(f"{response.status_code} {response.content[:200]!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(p, n)) for n, p in enumerate(clerks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    numbers = sorted(IncomingDocument.objects.values_list("arrival_number", flat=True))
    assert numbers == list(range(1, CLIENTS * EACH + 1))
