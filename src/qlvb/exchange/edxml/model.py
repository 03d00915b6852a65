"""The content of edXML messages as plain data: what the writer writes and the parser returns.

Field names are the standard's element names in snake case. Values the parser could not read
in the standard's format are kept as received (`*_raw`) and listed in `Package.warnings`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from dataclasses import dataclass, field


@dataclass
class Organization:
    organ_id: str = ""
    organization_in_charge: str = ""
    organ_name: str = ""
    organ_add: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass
class ResponseFor:
    organ_id: str = ""
    code: str = ""
    promulgation_date: dt.date | None = None
    document_id: str = ""


@dataclass
class StaffInfo:
    department: str = ""
    staff: str = ""
    email: str = ""
    mobile: str = ""

    def is_empty(self) -> bool:
        return not any(dataclasses.astuple(self))


@dataclass
class TraceHeader:
    organ_id: str = ""
    timestamp: dt.datetime | None = None


@dataclass
class ReplacementInfo:
    document_id: str = ""
    organ_ids: list[str] = field(default_factory=list)


@dataclass
class Business:
    """`Bussiness`: what the package does to the document (0 new, 1 recall, 2 update, 3
    replacement), why, whether paper follows, and who handles it at the sender."""

    document_id: str = ""
    business_doc_type: int = 0
    business_doc_reason: str = ""
    paper: int = 0
    document_info: dict[str, str] = field(default_factory=dict)
    receiver_list: list[str] = field(default_factory=list)
    replacement_info: list[ReplacementInfo] = field(default_factory=list)
    staff_info: StaffInfo = field(default_factory=StaffInfo)


@dataclass
class Attachment:
    """One file. Writing: `path` is read and base64-encoded in chunks. Parsing: the decoded
    file is streamed to a temporary `path` that the caller owns (see `Package.cleanup`)."""

    content_id: str = ""
    name: str = ""
    description: str = ""
    content_type: str = "application/octet-stream"
    path: str = ""
    size: int = 0
    sha256: str = ""
    # Writing from storage: a callable returning an iterator of bytes (instead of `path`).
    source: object = field(default=None, repr=False, compare=False)


@dataclass
class Reference:
    content_id: str = ""
    content_type: str = ""
    description: str = ""
    attachment_name: str = ""
    # sha256 (hex) of the file as encoded, from the ds:DigestValue that qlvb writes into the
    # signed manifest so the envelope signature covers the attachments; "" when absent.
    sha256: str = ""


@dataclass
class SignatureCheck:
    """What the receiver found: `present` (a signature element), `valid` (it verified against
    a trusted certificate), the signer's certificate subject, and the reason when not valid."""

    present: bool = False
    valid: bool = False
    signer: str = ""
    reason: str = ""


@dataclass
class Package:
    """A document message (gói tin văn bản)."""

    sender: Organization = field(default_factory=Organization)
    recipients: list[Organization] = field(default_factory=list)
    document_id: str = ""
    code_number: str = ""
    code_notation: str = ""
    place: str = ""
    promulgation_date: dt.date | None = None
    type: int | None = None
    type_detail: int | None = None
    type_name: str = ""
    subject: str = ""
    content: str = ""
    signer_competence: str = ""
    signer_position: str = ""
    signer_full_name: str = ""
    due_date: dt.date | None = None
    to_places: list[str] = field(default_factory=list)
    priority: int | None = None
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: int | None = None
    page_amount: int | None = None
    appendixes: list[str] = field(default_factory=list)
    direction: str = ""
    response_for: list[ResponseFor] = field(default_factory=list)
    steering_type: int | None = None
    traces: list[TraceHeader] = field(default_factory=list)
    business: Business | None = None
    references: list[Reference] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    signature: SignatureCheck = field(default_factory=SignatureCheck)
    warnings: list[str] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def business_doc_type(self) -> int:
        return self.business.business_doc_type if self.business else 0

    def cleanup(self) -> None:
        """Remove the temporary files of parsed attachments."""
        for attachment in self.attachments:
            if attachment.path and os.path.exists(attachment.path):
                os.unlink(attachment.path)


@dataclass
class StatusMessage:
    """A status message (gói tin trạng thái): same envelope, no body."""

    sender: Organization = field(default_factory=Organization)
    recipients: list[Organization] = field(default_factory=list)
    response_for: ResponseFor = field(default_factory=ResponseFor)
    staff_info: StaffInfo = field(default_factory=StaffInfo)
    status_code: str = ""
    description: str = ""
    timestamp: dt.datetime | None = None
    traces: list[TraceHeader] = field(default_factory=list)
    signature: SignatureCheck = field(default_factory=SignatureCheck)
    warnings: list[str] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)

    def cleanup(self) -> None:
        return None


def to_jsonable(value):
    """Dataclasses, dates and lists as JSON values (for `qlvb edxml parse` and the API)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name != "source"
        }
        if isinstance(value, Package):
            out["kind"] = "document"
        elif isinstance(value, StatusMessage):
            out["kind"] = "status"
        return out
    if isinstance(value, list):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, dt.datetime):
        return value.strftime("%Y/%m/%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y/%m/%d")
    return value
