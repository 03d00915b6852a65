import threading

import pytest
from django.db import connection, connections, transaction

from qlvb.agencies.models import Agency, AgencyLevel
from qlvb.documents.models import DocumentType, RegisterKind
from qlvb.documents.numbering import register_book_for, take_number


@pytest.fixture
def agency(db):
    return Agency.objects.create(
        code="000.00.01.H15", name="Văn phòng UBND tỉnh", level=AgencyLevel.DEPARTMENT
    )


def test_document_types_are_loaded(db):
    assert DocumentType.objects.get(abbreviation="QyĐ").name == "Quy định"
    assert DocumentType.objects.filter(name="Công văn", abbreviation="").exists()


def test_numbers_start_at_one_per_year_and_rollback_returns_the_number(agency):
    book = register_book_for(agency=agency, year=2026, kind=RegisterKind.INCOMING)
    with transaction.atomic():
        assert take_number(book=book) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        take_number(book=book)
        raise RuntimeError("registration failed")
    with transaction.atomic():
        assert take_number(book=book) == 2
    next_year = register_book_for(agency=agency, year=2027, kind=RegisterKind.INCOMING)
    with transaction.atomic():
        assert take_number(book=next_year) == 1


@pytest.mark.django_db(transaction=True)
def test_take_number_outside_a_transaction_is_refused():
    agency = Agency.objects.create(
        code="000.00.03.H15", name="Sở Y tế", level=AgencyLevel.DEPARTMENT
    )
    book = register_book_for(agency=agency, year=2026, kind=RegisterKind.INCOMING)
    with pytest.raises(RuntimeError):
        take_number(book=book)


@pytest.mark.django_db(transaction=True)
def test_concurrent_clerks_get_gapless_unique_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is exercised on PostgreSQL")
    agency = Agency.objects.create(
        code="000.00.02.H15", name="Sở Tài chính", level=AgencyLevel.DEPARTMENT
    )
    book = register_book_for(agency=agency, year=2026, kind=RegisterKind.INCOMING)
    taken: list[int] = []
    lock = threading.Lock()

    def clerk(n: int):
        try:
            for i in range(25):
                try:
                    with transaction.atomic():
                        number = take_number(book=book)
                        if (n + i) % 7 == 0:
                            raise ValueError("rolled back")
                    with lock:
                        taken.append(number)
                except ValueError:
                    pass
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clerk, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == list(range(1, len(taken) + 1))
    book.refresh_from_db()
    assert book.last_number == len(taken)
