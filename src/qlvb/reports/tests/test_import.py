import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from qlvb.core.errors import ValidationFailed
from qlvb.documents.models import Document, RegisterBook
from qlvb.documents.numbering import take_number
from qlvb.incoming.models import IncomingDocument, IncomingState
from qlvb.outgoing.models import Delivery, Medium, OutgoingDocument, Recipient
from qlvb.reports.importer import INCOMING_COLUMNS, import_register

from .conftest import OFFICE, STC, SYT, incoming_csv, incoming_row, outgoing_csv, outgoing_row


def test_incoming_import_creates_ordinary_documents_and_advances_the_counter(agencies):
    raw = incoming_csv(
        [
            incoming_row(5, electronic_received_at="2017-08-01T08:00:00+07:00"),
            incoming_row(9, paper_received_at="2017-08-01T09:00", urgency="hoa_toc"),
        ]
    )
    result = import_register(actor=None, kind="incoming", raw=raw, filename="den.csv")
    assert (result.created, result.skipped) == (2, 0)
    first = IncomingDocument.objects.get(arrival_number=5)
    assert first.state == IncomingState.DONE
    assert first.document.organ.code == STC
    assert first.document.subject == "Văn bản 5"
    assert IncomingDocument.objects.get(arrival_number=9).document.urgency == "hoa_toc"
    book = RegisterBook.objects.get(agency=agencies["office"], year=2017, kind="incoming")
    assert book.last_number == 9
    with transaction.atomic():
        assert take_number(book=book) == 10  # never re-issues an imported number


def test_same_file_twice_changes_nothing(agencies):
    raw = incoming_csv([incoming_row(n, paper_received_at="2017-08-01T09:00") for n in (1, 2)])
    import_register(actor=None, kind="incoming", raw=raw)
    again = import_register(actor=None, kind="incoming", raw=raw)
    assert (again.created, again.skipped) == (0, 2)
    assert Document.objects.count() == 2


def test_bad_file_is_refused_whole_with_every_bad_line(agencies):
    raw = incoming_csv(
        [
            incoming_row(1, paper_received_at="2017-08-01T09:00"),
            incoming_row(2, agency="999.99.99.H99", paper_received_at="2017-08-01T09:00"),
            incoming_row(3, day="2019-02-30", paper_received_at="2017-08-01T09:00"),
            incoming_row(1, paper_received_at="2017-08-01T09:00"),
            incoming_row(4, urgency="gap", subject="", paper_received_at="x"),
        ]
    )
    with pytest.raises(ValidationFailed) as caught:
        import_register(actor=None, kind="incoming", raw=raw)
    errors = {e["line"]: e["message"] for e in caught.value.errors}
    assert sorted(errors) == [3, 4, 5, 6]
    assert "999.99.99.H99" in errors[3]
    assert "2019-02-30" in errors[4]
    assert "trùng với dòng 2" in errors[5]
    assert "urgency" in errors[6] and "subject" in errors[6] and "paper_received_at" in errors[6]
    assert Document.objects.count() == 0
    assert not RegisterBook.objects.exists()


def test_arrival_number_already_in_the_register_is_refused(agencies):
    import_register(
        actor=None,
        kind="incoming",
        raw=incoming_csv([incoming_row(7, paper_received_at="2017-08-01T09:00")]),
    )
    other = incoming_csv(
        [
            incoming_row(8, paper_received_at="2017-08-01T09:00"),
            incoming_row(7, subject="Khác", paper_received_at="2017-08-01T09:00"),
        ]
    )
    with pytest.raises(ValidationFailed) as caught:
        import_register(actor=None, kind="incoming", raw=other)
    assert [e["line"] for e in caught.value.errors] == [3]
    assert IncomingDocument.objects.count() == 1


def test_wrong_encoding_and_fake_xlsx_are_refused(agencies):
    raw = incoming_csv([incoming_row(1, paper_received_at="2017-08-01T09:00")])
    latin = raw.decode("utf-8").encode("utf-16")
    with pytest.raises(ValidationFailed) as caught:
        import_register(actor=None, kind="incoming", raw=latin, filename="den.csv")
    assert caught.value.code == "bad_encoding"
    with pytest.raises(ValidationFailed) as caught:
        import_register(actor=None, kind="incoming", raw=raw, filename="den.xlsx")
    assert caught.value.code == "bad_xlsx"
    assert Document.objects.count() == 0


def test_wrong_header_is_refused(agencies):
    raw = b"agency_code,so_den\n000.00.01.H15,1\n"
    with pytest.raises(ValidationFailed) as caught:
        import_register(actor=None, kind="incoming", raw=raw)
    assert caught.value.code == "bad_header"


def test_xlsx_with_the_same_header(agencies):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(INCOMING_COLUMNS)
    row = incoming_row(3, electronic_received_at="2017-08-01T08:00:00")
    sheet.append([row.get(c, "") for c in INCOMING_COLUMNS])
    out = io.BytesIO()
    book.save(out)
    result = import_register(actor=None, kind="incoming", raw=out.getvalue(), filename="d.xlsx")
    assert result.created == 1
    assert IncomingDocument.objects.get().arrival_number == 3


def test_outgoing_import_one_row_per_recipient(agencies):
    raw = outgoing_csv(
        [
            outgoing_row(12, STC, e="1", p="1"),
            outgoing_row(12, SYT, e="1", p="0"),
            outgoing_row(12, "", recipient_name="Lưu VT", e="0", p="1"),
            outgoing_row(13, STC, e="0", p="1"),
        ]
    )
    result = import_register(actor=None, kind="outgoing", raw=raw)
    assert result.created == 2
    out = OutgoingDocument.objects.get(number=12)
    media = dict(Recipient.objects.filter(outgoing=out).values_list("name", "medium"))
    assert media == {
        "Sở Tài chính": Medium.ELECTRONIC_PAPER,
        "Sở Y tế": Medium.ELECTRONIC,
        "Lưu VT": Medium.PAPER,
    }
    assert Delivery.objects.filter(outgoing=out).count() == 2
    book = RegisterBook.objects.get(agency=agencies["office"], year=2017, kind="outgoing")
    assert book.last_number == 13
    assert import_register(actor=None, kind="outgoing", raw=raw).created == 0


def test_outgoing_rows_of_one_document_must_agree(agencies):
    raw = outgoing_csv(
        [
            outgoing_row(12, STC),
            outgoing_row(12, SYT, subject="Khác"),
            outgoing_row(12, STC),
            outgoing_row(14, "", e="1"),
        ]
    )
    with pytest.raises(ValidationFailed) as caught:
        import_register(actor=None, kind="outgoing", raw=raw)
    assert [e["line"] for e in caught.value.errors] == [3, 4, 5]
    assert OutgoingDocument.objects.count() == 0


def test_command_lists_every_bad_line(agencies, tmp_path, capsys):
    good = tmp_path / "den.csv"
    good.write_bytes(incoming_csv([incoming_row(1, paper_received_at="2017-08-01T09:00")]))
    call_command("import-register", "incoming", str(good))
    assert "1 văn bản mới" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(incoming_csv([incoming_row(2, agency="x"), incoming_row(3, day="2017-13-01")]))
    with pytest.raises(CommandError):
        call_command("import-register", "incoming", str(bad))
    err = capsys.readouterr().err
    assert "Dòng 2:" in err and "Dòng 3:" in err
    assert OFFICE  # the office's register kept one document
    assert IncomingDocument.objects.count() == 1
