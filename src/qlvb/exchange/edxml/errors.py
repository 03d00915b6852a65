"""Why a package is refused. Every one is a DomainError: the API answers a problem response,
the exchange answers the sender with status 02 and this message as the reason."""

from __future__ import annotations

from qlvb.core.errors import ValidationFailed


class EdxmlError(ValidationFailed):
    code = "edxml_invalid"
    title = "Gói tin edXML không hợp lệ"


class MalformedPackage(EdxmlError):
    code = "edxml_malformed"


class WrongNamespace(EdxmlError):
    code = "edxml_namespace"


class UnsafePackage(EdxmlError):
    """DTDs, entities, zip bombs, sizes and depths past the caps."""

    code = "edxml_unsafe"


class EdxmlWriteError(EdxmlError):
    """What qlvb would write does not meet the standard (the writer is strict)."""

    code = "edxml_write"
