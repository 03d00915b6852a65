"""Nhập sổ văn bản đến / đi từ hệ thống cũ (legacy register import).

All or nothing per file: every line is checked first and every bad line is reported
(ValidationFailed.errors = [{"line": n, "message": ...}]); nothing is written unless the whole
file is good. Imported documents are ordinary documents (Document + IncomingDocument, or
Document + OutgoingDocument + Recipient + Delivery) in the agency's register book of the year,
and the book's counter is advanced past the highest imported number so the gapless counter never
issues an imported number again. Each register entry is remembered (ImportedRecord): the same
file imported twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import zipfile
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from qlvb.agencies.models import Agency, Person
from qlvb.agencies.services import is_installation_admin
from qlvb.audit.services import audit_record
from qlvb.core import bulk
from qlvb.core.errors import PermissionDenied, ValidationFailed
from qlvb.documents.models import (
    URGENCY_RANK,
    Document,
    DocumentType,
    RegisterBook,
    RegisterKind,
    Urgency,
)
from qlvb.incoming.models import IncomingDocument, IncomingState, Source
from qlvb.outgoing.models import (
    Delivery,
    DeliveryStatus,
    DeliveryWorkState,
    Medium,
    OutgoingDocument,
    OutgoingState,
    Recipient,
    RecipientKind,
)
from qlvb.reports.models import ImportedRecord, ImportKind

INCOMING_COLUMNS = [
    "agency_code",
    "arrival_number",
    "arrival_date",
    "sender_code",
    "sender_name",
    "type_name",
    "code_number",
    "code_notation",
    "issued_date",
    "subject",
    "urgency",
    "electronic_received_at",
    "paper_received_at",
    "due_date",
]
INCOMING_OPTIONAL = {"due_date"}
OUTGOING_COLUMNS = [
    "agency_code",
    "code_number",
    "code_notation",
    "issued_date",
    "type_name",
    "subject",
    "signer_name",
    "signer_position",
    "urgency",
    "recipient_code",
    "recipient_name",
    "sent_electronically",
    "sent_on_paper",
]
LEGACY_USERNAME = "nhap-so-cu"
BATCH = 2000


@dataclass
class ImportResult:
    kind: str
    rows: int
    created: int
    skipped: int

    def summary_vi(self) -> str:
        return (
            f"{self.rows} dòng; {self.created} văn bản mới, "
            f"{self.skipped} văn bản đã có từ lần nhập trước (bỏ qua)."
        )


# --- reading the file -----------------------------------------------------------------------


def _refuse(message: str, code: str, errors: list[dict]) -> ValidationFailed:
    return ValidationFailed(message, code=code, errors=errors)


def _empty() -> ValidationFailed:
    return _refuse("Tệp rỗng.", "empty", [{"line": 1, "message": "Thiếu dòng tiêu đề."}])


def read_table(raw: bytes, filename: str = "") -> list[tuple[int, dict]]:
    """[(line number, {column: text})] from a CSV (UTF-8) or an XLSX with the same header."""
    is_zip = raw[:4] == b"PK\x03\x04"
    if filename.lower().endswith((".xlsx", ".xlsm")) or is_zip:
        return _read_xlsx(raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise _refuse(
            "Tệp không phải mã UTF-8; hãy lưu lại tệp CSV với bảng mã UTF-8. "
            "Chưa nhập văn bản nào.",
            "bad_encoding",
            [{"line": line, "message": f"Byte không hợp lệ trong mã UTF-8 (vị trí {exc.start})."}],
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = list(reader)
    if not rows:
        raise _empty()
    header = [h.strip() for h in rows[0]]
    out = []
    for index, values in enumerate(rows[1:], start=2):
        if not any(values) or not "".join(values).strip():
            continue  # a blank line
        out.append((index, _row_dict(header, values)))
    return out, header


def _row_dict(header, values) -> dict:
    width = len(values)
    if width < len(header):
        values = values + [""] * (len(header) - width)
    row = dict(zip(header, map(str.strip, values), strict=False))
    row["__width__"] = width
    return row


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(raw: bytes):
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _refuse(
            "Tệp không phải bảng tính XLSX hợp lệ; chưa nhập văn bản nào.",
            "bad_xlsx",
            [{"line": 1, "message": f"Không đọc được tệp XLSX ({exc.__class__.__name__})."}],
        ) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = [_cell(v) for v in next(rows)]
    except StopIteration:
        raise _empty() from None
    while header and not header[-1]:
        header.pop()
    out = []
    for index, values in enumerate(rows, start=2):
        cells = [_cell(v) for v in values][: max(len(header), 1)]
        if not any(cells):
            continue
        row = _row_dict(header, cells)
        row["__width__"] = len(header)
        out.append((index, row))
    book.close()
    return out, header


def _check_header(header: list[str], expected: list[str], optional: set[str]) -> None:
    missing = [c for c in expected if c not in header and c not in optional]
    unknown = [c for c in header if c not in expected]
    if missing or unknown:
        parts = []
        if missing:
            parts.append("thiếu cột " + ", ".join(missing))
        if unknown:
            parts.append("cột không có trong mẫu: " + ", ".join(unknown))
        raise _refuse(
            "Dòng tiêu đề không đúng mẫu; chưa nhập văn bản nào.",
            "bad_header",
            [{"line": 1, "message": "; ".join(parts) + "."}],
        )


# --- values -------------------------------------------------------------------------------------


_URGENCIES = frozenset(Urgency.values)
_NORMAL = Urgency.NORMAL.value


@functools.lru_cache(maxsize=8192)
def _parse_date(value: str) -> dt.date:
    """Registers repeat the same few hundred dates: parse each once (ValueError when bad)."""
    return dt.date.fromisoformat(value[:10] if "T" in value else value)


@functools.cache
def _local_zone():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


class _Line:
    """Collects the problems of one line."""

    def __init__(self, line: int, row: dict):
        self.line = line
        self.row = row
        self.problems: list[str] = []

    def text(self, name: str, *, required: bool = False, max_length: int | None = None) -> str:
        value = self.row.get(name, "")
        if required and not value:
            self.problems.append(f"thiếu {name}")
        if max_length is not None and len(value) > max_length:
            self.problems.append(f"{name} dài quá {max_length} ký tự")
        return value

    def date(self, name: str, *, required: bool = False) -> dt.date | None:
        value = self.row.get(name, "")
        if not value:
            if required:
                self.problems.append(f"thiếu {name}")
            return None
        try:
            return _parse_date(value)
        except ValueError:
            self.problems.append(f"{name} “{value}” không phải ngày có thật (YYYY-MM-DD)")
            return None

    def moment(self, name: str) -> dt.datetime | None:
        value = self.row.get(name, "")
        if not value:
            return None
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            self.problems.append(f"{name} “{value}” không phải thời điểm có thật (ISO 8601)")
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_local_zone())
        return moment

    def positive(self, name: str) -> int | None:
        value = self.row.get(name, "")
        if not value.isdigit() or int(value) <= 0 or int(value) > 2_000_000_000:
            self.problems.append(f"{name} “{value}” phải là số nguyên dương")
            return None
        return int(value)

    def flag(self, name: str) -> bool:
        value = self.row.get(name, "")
        if value not in ("0", "1"):
            self.problems.append(f"{name} “{value}” phải là 1 hoặc 0")
        return value == "1"

    def urgency(self) -> str:
        value = self.row.get("urgency", "") or _NORMAL
        if value not in _URGENCIES:
            self.problems.append(
                f"urgency “{value}” không hợp lệ (thuong, khan, thuong_khan, hoa_toc, "
                "hoa_toc_hen_gio)"
            )
            return Urgency.NORMAL
        return value

    def agency(self, name: str, agencies: dict, *, required: bool = True):
        code = self.row.get(name, "")
        if not code:
            if required:
                self.problems.append(f"thiếu {name}")
            return None
        agency = agencies.get(code)
        if agency is None:
            self.problems.append(f"{name} “{code}” không có trong danh bạ cơ quan")
        return agency

    def error(self, errors: list[dict]) -> bool:
        if self.problems:
            errors.append({"line": self.line, "message": "; ".join(self.problems) + "."})
            return True
        return False


@functools.lru_cache(maxsize=16)
def _digest_keys(keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((k, f"{k}=") for k in sorted(k for k in keys if not k.startswith("__")))


def _digest(*rows: dict) -> str:
    """SHA-256 of `column=value` in column order, rows apart: one hash call per entry (the
    same bytes as hashing each part in turn, so digests recorded earlier still match)."""
    parts = []
    for row in rows:
        for key, prefix in _digest_keys(tuple(row)):
            parts += (prefix, row[key], "\x1f")
        parts.append("\x1e")
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def _agencies() -> dict[str, tuple[int, str]]:
    return {code: (pk, name) for pk, code, name in Agency.objects.values_list("pk", "code", "name")}


def _types() -> dict[str, int]:
    return dict(DocumentType.objects.values_list("name", "pk"))


def _book_ids(keys: set[tuple[int, int]], kind: str) -> dict[tuple[int, int], int]:
    """Register books (agency, year) of `kind`, created when missing; locked for the import."""
    books: dict[tuple[int, int], int] = {}
    for agency_id, year in sorted(keys):
        book, _ = RegisterBook.objects.get_or_create(
            agency_id=agency_id,
            year=year,
            kind=kind,
            series="",
            defaults={"name": f"{RegisterKind(kind).label} năm {year}"},
        )
        books[(agency_id, year)] = book.pk
    list(RegisterBook.objects.select_for_update().filter(pk__in=books.values()))
    return books


def _advance_counters(numbers: dict[int, int]) -> None:
    """Move each book's gapless counter past the highest number now in it."""
    for book_id, highest in numbers.items():
        RegisterBook.objects.filter(pk=book_id, last_number__lt=highest).update(last_number=highest)


def _in_chunks(sql: str, fixed: list, values: list) -> list[tuple]:
    """Run `sql` (its last condition `... IN {}`) over `values`: one `= ANY(%s)` on
    PostgreSQL, chunks of a few thousand placeholders on SQLite. Raw rows, no model objects."""
    out: list[tuple] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql.replace("IN {}", "= ANY(%s)"), [*fixed, values])
            return cursor.fetchall()
        for start in range(0, len(values), 5000):
            chunk = values[start : start + 5000]
            cursor.execute(sql.format("(" + ", ".join(["%s"] * len(chunk)) + ")"), [*fixed, *chunk])
            out.extend(cursor.fetchall())
    return out


def _previous(kind: str, keys: list[str]) -> dict[str, str]:
    return dict(
        _in_chunks(
            "SELECT key, digest FROM reports_importedrecord WHERE kind = %s AND key IN {}",
            [kind],
            keys,
        )
    )


def _require(actor) -> None:
    if not is_installation_admin(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống mới được nhập sổ văn bản cũ.")


def _fail(errors: list[dict]) -> None:
    if errors:
        errors.sort(key=lambda e: e["line"])
        raise ValidationFailed(
            f"Tệp có {len(errors)} dòng lỗi; chưa nhập văn bản nào.",
            code="import_failed",
            errors=errors,
        )


Progress = Callable[[int, int], None]


def _tick(progress: Progress | None, index: int, count: int) -> None:
    """Checking the lines is the first half of the bar, writing them the second."""
    if progress is not None and index % 1000 == 0:
        progress(index, 2 * count)


def import_register(
    *,
    actor,
    kind: str,
    raw: bytes,
    filename: str = "",
    progress: Progress | None = None,
) -> ImportResult:
    """Nhập một tệp sổ văn bản đến (`incoming`) hoặc đi (`outgoing`)."""
    _require(actor)
    if kind not in ImportKind.values:
        raise ValidationFailed("Loại sổ phải là incoming hoặc outgoing.")
    rows, header = read_table(raw, filename)
    if kind == ImportKind.INCOMING:
        _check_header(header, INCOMING_COLUMNS, INCOMING_OPTIONAL)
        return _import_incoming(actor, rows, raw, filename, progress)
    _check_header(header, OUTGOING_COLUMNS, set())
    return _import_outgoing(actor, rows, raw, filename, progress)


# --- incoming -----------------------------------------------------------------------------------


def _import_incoming(actor, rows, raw, filename, progress) -> ImportResult:
    agencies = _agencies()
    types = _types()
    errors: list[dict] = []
    parsed = []
    first_line: dict[tuple, int] = {}
    for index, (line, row) in enumerate(rows):
        _tick(progress, index, len(rows))
        v = _Line(line, row)
        agency = v.agency("agency_code", agencies)
        number = v.positive("arrival_number")
        arrival = v.date("arrival_date", required=True)
        sender = v.agency("sender_code", agencies, required=False)
        sender_name = v.text("sender_name", max_length=200)
        if sender is None and not sender_name and not row.get("sender_code"):
            v.problems.append("thiếu sender_code hoặc sender_name")
        type_name = v.text("type_name", max_length=100)
        code_number = v.text("code_number", max_length=11)
        code_notation = v.text("code_notation", max_length=30)
        issued = v.date("issued_date")
        subject = v.text("subject", required=True, max_length=500)
        urgency = v.urgency()
        electronic_at = v.moment("electronic_received_at")
        paper_at = v.moment("paper_received_at")
        due = v.date("due_date")
        if issued and arrival and issued > arrival:
            v.problems.append("issued_date sau arrival_date")
        if due and issued and due < issued:
            v.problems.append("due_date trước issued_date")
        if electronic_at is None and paper_at is None and not v.problems:
            v.problems.append("phải có electronic_received_at hoặc paper_received_at")
        if agency and number and arrival:
            key = (agency[0], arrival.year, number)
            if key in first_line:
                v.problems.append(
                    f"số đến {number} năm {arrival.year} của {row['agency_code']} trùng với "
                    f"dòng {first_line[key]}"
                )
            else:
                first_line[key] = line
        if v.error(errors):
            continue
        parsed.append(
            {
                "line": line,
                "agency_id": agency[0],
                "year": arrival.year,
                "number": number,
                "arrival": arrival,
                "organ_id": sender[0] if sender else None,
                "organ_name": sender_name or (sender[1] if sender else ""),
                "type_name": type_name,
                "type_id": types.get(type_name),
                "code_number": code_number,
                "code_notation": code_notation,
                "issued": issued,
                "subject": subject,
                "urgency": urgency,
                "electronic_at": electronic_at,
                "paper_at": paper_at,
                "due": due,
                "key": f"{agency[0]}:{arrival.year}:{number}",
                "digest": _digest(row),
            }
        )
    _fail(errors)
    total = len(parsed)
    with transaction.atomic():
        books = _book_ids({(p["agency_id"], p["year"]) for p in parsed}, RegisterKind.INCOMING)
        previous = _previous(ImportKind.INCOMING, [p["key"] for p in parsed])
        taken = _taken("incoming_incomingdocument", "arrival_number", books, parsed)
        fresh = []
        for p in parsed:
            old = previous.get(p["key"])
            if old == p["digest"]:
                continue
            if old is not None:
                errors.append(
                    {
                        "line": p["line"],
                        "message": f"Số đến {p['number']} năm {p['year']} đã được nhập trước đó "
                        "với nội dung khác.",
                    }
                )
            elif (books[(p["agency_id"], p["year"])], p["number"]) in taken:
                errors.append(
                    {
                        "line": p["line"],
                        "message": f"Số đến {p['number']} năm {p['year']} đã có trong sổ văn "
                        "bản đến của cơ quan.",
                    }
                )
            else:
                fresh.append(p)
        _fail(errors)
        highest: dict[int, int] = defaultdict(int)
        for start in range(0, len(fresh), BATCH):
            chunk = fresh[start : start + BATCH]
            _insert_incoming(chunk, books, highest)
            if progress:
                progress(
                    len(rows) + (start + len(chunk)) * len(rows) // max(total, 1), 2 * len(rows)
                )
        _advance_counters(highest)
        result = ImportResult(ImportKind.INCOMING, len(rows), len(fresh), total - len(fresh))
        if fresh:
            audit_record(
                actor=actor,
                action="reports.import_incoming",
                object_type="reports.registerimport",
                object_repr=filename[:300],
                details={
                    "file_sha256": hashlib.sha256(raw).hexdigest(),
                    "rows": len(rows),
                    "created": len(fresh),
                    "skipped": total - len(fresh),
                },
            )
    return result


def _taken(table: str, column: str, books: dict, parsed: list[dict]) -> set[tuple[int, int]]:
    """(book, number) pairs of the file already in the register books."""
    wanted = defaultdict(list)
    for p in parsed:
        wanted[books[(p["agency_id"], p["year"])]].append(p["number"])
    taken = set()
    for book_id, numbers in wanted.items():
        taken.update(
            _in_chunks(
                f"SELECT register_book_id, {column} FROM {table} "  # noqa: S608 - fixed names
                f"WHERE register_book_id = %s AND {column} IN {{}}",
                [book_id],
                numbers,
            )
        )
    return taken


@functools.lru_cache(maxsize=8192)
def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), _local_zone())


_INCOMING_DOCUMENT = (
    "agency_id",
    "document_type_id",
    "type_name",
    "code_number",
    "code_notation",
    "issued_date",
    "organ_id",
    "organ_name",
    "subject",
    "urgency",
    "due_date",
)
_INCOMING = (
    "document_id",
    "agency_id",
    "state",
    "source",
    "register_book_id",
    "arrival_number",
    "arrival_date",
    "electronic_received_at",
    "paper_received_at",
    "registered_at",
    "due_at",
    "origin_reference",
    "urgency_rank",
)


def _insert_incoming(chunk: list[dict], books: dict, highest: dict) -> None:
    document_ids = bulk.insert(
        Document,
        _INCOMING_DOCUMENT,
        [
            (
                p["agency_id"],
                p["type_id"],
                p["type_name"],
                p["code_number"],
                p["code_notation"],
                p["issued"],
                p["organ_id"],
                p["organ_name"],
                p["subject"],
                p["urgency"],
                p["due"],
            )
            for p in chunk
        ],
    )
    incoming = []
    for p, document_id in zip(chunk, document_ids, strict=True):
        book_id = books[(p["agency_id"], p["year"])]
        if p["number"] > highest[book_id]:
            highest[book_id] = p["number"]
        electronic_at, paper_at = p["electronic_at"], p["paper_at"]
        electronic_first = electronic_at is not None and (
            paper_at is None or electronic_at < paper_at
        )
        incoming.append(
            (
                document_id,
                p["agency_id"],
                IncomingState.DONE.value,
                Source.ELECTRONIC.value if electronic_first else Source.PAPER.value,
                book_id,
                p["number"],
                p["arrival"],
                electronic_at,
                paper_at,
                _local_midnight(p["arrival"]),
                _local_midnight(p["due"]) if p["due"] else None,
                f"legacy:{p['key']}",
                URGENCY_RANK[p["urgency"]],
            )
        )
    bulk.insert(IncomingDocument, _INCOMING, incoming)
    _records(ImportKind.INCOMING, chunk, document_ids)


def _records(kind: str, chunk: list[dict], document_ids: list[int]) -> None:
    bulk.insert(
        ImportedRecord,
        ("kind", "key", "digest", "document_id"),
        [
            (str(kind), p["key"], p["digest"], document_id)
            for p, document_id in zip(chunk, document_ids, strict=True)
        ],
    )


# --- outgoing -----------------------------------------------------------------------------------

_DOC_FIELDS = (
    "code_notation",
    "type_name",
    "subject",
    "signer_name",
    "signer_position",
    "urgency",
)


def _legacy_person() -> Person:
    person = Person.objects.filter(username=LEGACY_USERNAME).first()
    if person is None:
        person = Person.objects.create(
            username=LEGACY_USERNAME, full_name="Nhập sổ từ hệ thống cũ", is_active=False
        )
        person.set_unusable_password()
        person.save(update_fields=["password"])
    return person


def _import_outgoing(actor, rows, raw, filename, progress) -> ImportResult:
    agencies = _agencies()
    types = _types()
    errors: list[dict] = []
    documents: dict[tuple, dict] = {}
    for index, (line, row) in enumerate(rows):
        _tick(progress, index, len(rows))
        v = _Line(line, row)
        agency = v.agency("agency_code", agencies)
        number = v.positive("code_number")
        v.text("code_notation", max_length=30)
        issued = v.date("issued_date", required=True)
        v.text("type_name", max_length=100)
        v.text("subject", required=True, max_length=500)
        v.text("signer_name", max_length=50)
        v.text("signer_position", max_length=100)
        urgency = v.urgency()
        recipient = v.agency("recipient_code", agencies, required=False)
        recipient_name = v.text("recipient_name", max_length=300)
        if not row.get("recipient_code") and not recipient_name:
            v.problems.append("thiếu recipient_code hoặc recipient_name")
        electronic = v.flag("sent_electronically")
        paper = v.flag("sent_on_paper")
        if row.get("sent_electronically") in ("0", "1") and row.get("sent_on_paper") in ("0", "1"):
            if not electronic and not paper:
                v.problems.append("văn bản phải được gửi điện tử hoặc bản giấy (cả hai cột là 0)")
            if electronic and not row.get("recipient_code"):
                v.problems.append("gửi điện tử cần recipient_code của cơ quan nhận")
        doc = None
        if agency and number and issued:
            dkey = (agency[0], issued.year, number)
            doc = documents.get(dkey)
            if doc is None:
                doc = documents[dkey] = {
                    "line": line,
                    "agency_id": agency[0],
                    "agency_name": agency[1],
                    "year": issued.year,
                    "number": number,
                    "issued": issued,
                    "urgency": urgency,
                    "fields": {f: row.get(f, "") for f in _DOC_FIELDS},
                    "recipients": [],
                    "rows": [],
                    "seen": {},
                }
            else:
                for f in _DOC_FIELDS:
                    if row.get(f, "") != doc["fields"][f]:
                        v.problems.append(
                            f"{f} khác với dòng {doc['line']} của cùng văn bản số {number}"
                        )
                if issued != doc["issued"]:
                    v.problems.append(f"issued_date khác với dòng {doc['line']}")
            rkey = row.get("recipient_code") or f"name:{recipient_name}"
            if rkey in doc["seen"]:
                v.problems.append(
                    f"nơi nhận “{row.get('recipient_code') or recipient_name}” trùng với dòng "
                    f"{doc['seen'][rkey]}"
                )
            elif not v.problems:
                doc["seen"][rkey] = line
        if v.error(errors):
            if doc is not None:
                doc["bad"] = True
            continue
        doc["rows"].append(row)
        doc["recipients"].append(
            {
                "agency_id": recipient[0] if recipient else None,
                "name": recipient_name or (recipient[1] if recipient else ""),
                "electronic": electronic,
                "paper": paper,
            }
        )
    _fail(errors)
    parsed = list(documents.values())
    for p in parsed:
        p["key"] = f"{p['agency_id']}:{p['year']}:{p['number']}"
        p["digest"] = _digest(*p["rows"])
    total = len(parsed)
    with transaction.atomic():
        books = _book_ids({(p["agency_id"], p["year"]) for p in parsed}, RegisterKind.OUTGOING)
        previous = _previous(ImportKind.OUTGOING, [p["key"] for p in parsed])
        taken = _taken("outgoing_outgoingdocument", "number", books, parsed)
        fresh = []
        for p in parsed:
            old = previous.get(p["key"])
            if old == p["digest"]:
                continue
            if old is not None:
                message = "đã được nhập trước đó với nội dung khác"
            elif (books[(p["agency_id"], p["year"])], p["number"]) in taken:
                message = "đã có trong sổ văn bản đi của cơ quan"
            else:
                fresh.append(p)
                continue
            errors.append(
                {"line": p["line"], "message": f"Số {p['number']} năm {p['year']} {message}."}
            )
        _fail(errors)
        creator = _legacy_person() if fresh else None
        highest: dict[int, int] = defaultdict(int)
        for start in range(0, len(fresh), BATCH):
            chunk = fresh[start : start + BATCH]
            _insert_outgoing(chunk, books, highest, types, creator)
            if progress:
                progress(
                    len(rows) + (start + len(chunk)) * len(rows) // max(total, 1), 2 * len(rows)
                )
        _advance_counters(highest)
        if fresh:
            audit_record(
                actor=actor,
                action="reports.import_outgoing",
                object_type="reports.registerimport",
                object_repr=filename[:300],
                details={
                    "file_sha256": hashlib.sha256(raw).hexdigest(),
                    "rows": len(rows),
                    "created": len(fresh),
                    "skipped": total - len(fresh),
                },
            )
    return ImportResult(ImportKind.OUTGOING, len(rows), len(fresh), total - len(fresh))


def _medium(r: dict) -> str:
    if r["electronic"] and r["paper"]:
        return Medium.ELECTRONIC_PAPER.value
    return Medium.ELECTRONIC.value if r["electronic"] else Medium.PAPER.value


_OUTGOING_DOCUMENT = (
    "agency_id",
    "document_type_id",
    "type_name",
    "code_number",
    "code_notation",
    "issued_date",
    "organ_id",
    "organ_name",
    "subject",
    "signer_full_name",
    "signer_position",
    "urgency",
    "to_places",
)
_OUTGOING = (
    "document_id",
    "agency_id",
    "state",
    "created_by_id",
    "register_book_id",
    "number",
    "issued_at",
    "signed_at",
    "urgency_rank",
)
_RECIPIENT = ("outgoing_id", "kind", "agency_id", "name", "medium", "position")
_DELIVERY = (
    "state",
    "agency_id",
    "outgoing_id",
    "recipient_id",
    "recipient_agency_id",
    "urgency_rank",
    "status",
    "delivered_at",
    "status_changed_at",
    "finished_at",
)


def _insert_outgoing(chunk, books, highest, types, creator) -> None:
    document_ids = bulk.insert(
        Document,
        _OUTGOING_DOCUMENT,
        [
            (
                p["agency_id"],
                types.get(p["fields"]["type_name"]),
                p["fields"]["type_name"],
                str(p["number"]),
                p["fields"]["code_notation"],
                p["issued"],
                p["agency_id"],
                p["agency_name"],
                p["fields"]["subject"],
                p["fields"]["signer_name"],
                p["fields"]["signer_position"],
                p["urgency"],
                [r["name"] for r in p["recipients"]],
            )
            for p in chunk
        ],
    )
    outgoing = []
    for p, document_id in zip(chunk, document_ids, strict=True):
        book_id = books[(p["agency_id"], p["year"])]
        if p["number"] > highest[book_id]:
            highest[book_id] = p["number"]
        issued_at = _local_midnight(p["issued"])
        outgoing.append(
            (
                document_id,
                p["agency_id"],
                OutgoingState.ISSUED.value,
                creator.pk,
                book_id,
                p["number"],
                issued_at,
                issued_at,
                URGENCY_RANK[p["urgency"]],
            )
        )
    outgoing_ids = bulk.insert(OutgoingDocument, _OUTGOING, outgoing)
    recipients, deliveries = [], []
    for p, out_id, out in zip(chunk, outgoing_ids, outgoing, strict=True):
        for position, r in enumerate(p["recipients"]):
            medium = _medium(r)
            recipients.append(
                (
                    out_id,
                    RecipientKind.AGENCY.value if r["agency_id"] else RecipientKind.PAPER.value,
                    r["agency_id"],
                    r["name"],
                    medium,
                    position,
                )
            )
            deliveries.append((out_id, out, r["agency_id"], medium))
    recipient_ids = bulk.insert(Recipient, _RECIPIENT, recipients)
    delivered = DeliveryWorkState.DONE.value, DeliveryStatus.DELIVERED.value
    bulk.insert(
        Delivery,
        _DELIVERY,
        [
            (delivered[0], out[1], out_id, recipient_id, agency_id, out[8], delivered[1])
            + (out[6],) * 3
            for recipient_id, (out_id, out, agency_id, medium) in zip(
                recipient_ids, deliveries, strict=True
            )
            if agency_id and medium != Medium.PAPER
        ],
    )
    _records(ImportKind.OUTGOING, chunk, document_ids)
