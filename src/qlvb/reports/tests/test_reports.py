import datetime as dt
import io

import pytest
from django.core.management import call_command

from qlvb.core.errors import PermissionDenied
from qlvb.reports.exports import to_docx
from qlvb.reports.importer import import_register
from qlvb.reports.selectors import REPORTS, percent, report_rows

from .conftest import (
    OFFICE,
    STC,
    STP,
    SYT,
    incoming_csv,
    incoming_row,
    make_person,
    outgoing_csv,
    outgoing_row,
)

Q3 = {"start": dt.date(2017, 7, 1), "end": dt.date(2017, 9, 30)}
E = "2017-08-01T08:00:00+07:00"
P = "2017-08-01T10:00:00+07:00"


def rows_of(name, **kw):
    params = {**Q3, **kw}
    return report_rows(viewer=None, name=name, agency_code=OFFICE, **params)[2]


def test_percent_rounds_half_up_exactly():
    assert percent(21, 40) == 53  # 52.5 %
    assert percent(2099, 4000) == 52  # 52.475 %
    assert percent(1, 3) == 33 and percent(2, 3) == 67
    assert percent(0, 0) is None


@pytest.fixture
def exchange(agencies):
    n = iter(range(1, 1000))
    incoming = []
    # Sở Tài chính: 40 documents, 21 electronic first (52.5 % -> 53 %); one electronic copy came
    # after the paper one and one at the same instant as it: neither is "first".
    incoming += [incoming_row(next(n), sender=STC, electronic_received_at=E) for _ in range(20)]
    incoming += [incoming_row(next(n), sender=STC, electronic_received_at=E, paper_received_at=P)]
    incoming += [
        incoming_row(next(n), sender=STC, electronic_received_at=P, paper_received_at=E),
        incoming_row(next(n), sender=STC, electronic_received_at=E, paper_received_at=E),
    ]
    incoming += [incoming_row(next(n), sender=STC, paper_received_at=P) for _ in range(17)]
    # Sở Y tế 1/2 and Sở Tư pháp 2/4: the same ratio, the same rank.
    incoming += [
        incoming_row(next(n), sender=SYT, electronic_received_at=E),
        incoming_row(next(n), sender=SYT, paper_received_at=P),
    ]
    incoming += [incoming_row(next(n), sender=STP, electronic_received_at=E) for _ in range(2)]
    incoming += [incoming_row(next(n), sender=STP, paper_received_at=P) for _ in range(2)]
    # Outside the period: never counted.
    incoming += [incoming_row(next(n), sender=STC, day="2017-10-01", electronic_received_at=E)]
    import_register(actor=None, kind="incoming", raw=incoming_csv(incoming))
    outgoing = [
        outgoing_row(1, STC, e="1"),
        outgoing_row(1, SYT, e="0", p="1"),
        outgoing_row(2, STC, e="1", p="1", type_name="Giấy mời", urgency="hoa_toc"),
        outgoing_row(2, SYT, e="0", p="1", type_name="Giấy mời", urgency="hoa_toc"),
        outgoing_row(3, STC, e="0", p="1"),
        outgoing_row(4, "000.00.00.H15", e="1", day="2017-06-30"),
    ]
    import_register(actor=None, kind="outgoing", raw=outgoing_csv(outgoing))
    return agencies


def test_exchange_summary(exchange):
    rows = rows_of("exchange-summary")
    by_code = {r["agency_code"]: r for r in rows}
    stc = by_code[STC]
    assert (stc["in_total"], stc["in_electronic_first"], stc["in_other"]) == (40, 21, 19)
    assert stc["in_rate"] == 53
    assert (stc["out_total"], stc["out_electronic"], stc["out_urgent_invitations"]) == (3, 1, 1)
    assert stc["out_rate"] == 67
    syt = by_code[SYT]
    assert (syt["out_total"], syt["out_electronic"], syt["out_rate"]) == (2, 0, 0)
    # Ranks: 21/40 first; 1/2 and 2/4 tie in second place; listed by code.
    assert [(r["agency_code"], r["rank"]) for r in rows] == [(STC, 1), (SYT, 2), (STP, 2)]
    assert "000.00.00.H15" not in by_code  # its pair was issued before the period


def test_rows_without_incoming_come_last_unranked(exchange):
    import_register(
        actor=None,
        kind="outgoing",
        raw=outgoing_csv([outgoing_row(9, "000.00.00.H15", e="1")]),
    )
    rows = rows_of("exchange-summary")
    assert rows[-1]["agency_code"] == "000.00.00.H15" and rows[-1]["rank"] is None
    assert rows[-1]["in_rate"] is None and rows[-1]["out_rate"] == 100


def test_empty_period(exchange):
    empty = {"start": dt.date(2016, 1, 1), "end": dt.date(2016, 3, 31)}
    assert rows_of("exchange-summary", **empty) == []
    ratio = rows_of("electronic-ratio", **empty)[0]
    assert ratio["outgoing_total"] == 0 and ratio["electronic_only_pct"] is None
    assert ratio["electronic_to_paper_ratio"] is None
    assert [r["year"] for r in rows_of("yearly-volume", **empty)] == [2016]


def test_exchange_by_agency(exchange):
    import_register(
        actor=None,
        kind="outgoing",
        raw=outgoing_csv(
            [outgoing_row(1, OFFICE, agency=STC), outgoing_row(2, OFFICE, agency=STC)]
        ),
    )
    rows = report_rows(viewer=None, name="exchange-by-agency", agency_code="000.00.00.H15", **Q3)[2]
    assert [r["agency_code"] for r in rows] == ["000.00.00.H15", SYT, STP, OFFICE, STC]
    by_code = {r["agency_code"]: r for r in rows}
    assert by_code[OFFICE] == {
        "agency_code": OFFICE,
        "agency_name": "Văn phòng UBND tỉnh",
        "sent": 2,  # documents 1 and 2 went electronically; 3 only on paper
        "received": 26,
    }
    assert by_code[STC]["sent"] == 2


def test_yearly_volume_and_electronic_ratio(exchange):
    rows = rows_of("yearly-volume", start=dt.date(2016, 1, 1), end=dt.date(2017, 12, 31))
    assert rows == [
        {"year": 2016, "incoming": 0, "outgoing": 0},
        {"year": 2017, "incoming": 47, "outgoing": 4},
    ]
    ratio = rows_of("electronic-ratio")[0]
    assert {k: ratio[k] for k in ("outgoing_total", "electronic_only", "electronic_and_paper")} == {
        "outgoing_total": 3,
        "electronic_only": 0,
        "electronic_and_paper": 2,
    }
    assert ratio["paper_only"] == 1 and ratio["electronic_and_paper_pct"] == 67
    assert str(ratio["electronic_to_paper_ratio"]) == "0.7"  # 2 electronic / 3 on paper


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_every_cell_agrees_with_its_documents(exchange, name):
    report = REPORTS[name]
    from qlvb.reports.selectors import params_for

    p = params_for(viewer=None, agency_code=OFFICE, start=Q3["start"], end=dt.date(2017, 12, 31))
    checked = 0
    for row in report.rows(p):
        key = str(row.get(report.key_column, "")) if report.key_column else ""
        for column in report.columns:
            if column.drill:
                assert report.cell_queryset(p, key, column.name).count() == row[column.name]
                if name != "tasks":
                    assert report.documents(p, key, column.name).count() == row[column.name]
                checked += 1
    assert checked or name in ("incoming-handling", "outgoing-handling", "tasks")


def test_scope(exchange):
    clerk = make_person("vanthu.stc", exchange[STC], "clerk")
    with pytest.raises(PermissionDenied):
        report_rows(viewer=clerk, name="exchange-summary", agency_code=OFFICE, **Q3)
    report_rows(viewer=clerk, name="exchange-summary", agency_code=STC, **Q3)
    tracker = make_person("theodoi", exchange[STC], "tracking")
    report_rows(viewer=tracker, name="exchange-summary", agency_code=OFFICE, **Q3)
    office_clerk = make_person("vanthu.vp", exchange["office"], "clerk")
    report_rows(viewer=office_clerk, name="exchange-summary", agency_code=STC, **Q3)


def test_command_writes_the_exact_csv_columns(exchange, capsys):
    call_command(
        "report", "exchange-summary", "--agency", OFFICE, "--from", "2017-07-01",
        "--to", "2017-09-30",
    )  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "rank,agency_code,agency_name,out_total,out_electronic,out_urgent_invitations,"
        "out_rate,in_total,in_electronic_first,in_other,in_rate"
    )
    assert lines[1] == f"1,{STC},Sở Tài chính,3,1,1,67,40,21,19,53"
    call_command(
        "report", "electronic-ratio", "--agency", OFFICE, "--from", "2017-07-01",
        "--to", "2017-09-30",
    )  # fmt: skip
    assert capsys.readouterr().out.splitlines()[0] == (
        "outgoing_total,electronic_only,electronic_and_paper,paper_only,electronic_only_pct,"
        "electronic_and_paper_pct,electronic_to_paper_ratio"
    )


def test_docx_is_an_nd30_report(exchange):
    from docx import Document as Docx

    report, p, rows = report_rows(viewer=None, name="exchange-summary", agency_code=OFFICE, **Q3)
    doc = Docx(io.BytesIO(to_docx(report, p, rows)))
    text = "\n".join(
        par.text for t in doc.tables for row in t.rows for c in row.cells for par in c.paragraphs
    ) + "\n".join(par.text for par in doc.paragraphs)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "VĂN PHÒNG UBND TỈNH",
        "Số:",
        "Buôn Ma Thuột, ngày",
        "BÁO CÁO",
        "Nơi nhận:",
        "Sở Tài chính",
    ):
        assert expected in text
    assert doc.styles["Normal"].font.name == "Times New Roman"
