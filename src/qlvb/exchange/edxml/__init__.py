"""edXML (QCVN 102:2016) codec: `parse` (lenient, hardened, streaming), `write_message`
(strict), XML-DSig in `dsig`."""

from qlvb.exchange.edxml.errors import EdxmlError, MalformedPackage, UnsafePackage, WrongNamespace
from qlvb.exchange.edxml.model import Package, StatusMessage, to_jsonable
from qlvb.exchange.edxml.parser import Limits, parse
from qlvb.exchange.edxml.writer import message_bytes, write_message

__all__ = [
    "EdxmlError",
    "Limits",
    "MalformedPackage",
    "Package",
    "StatusMessage",
    "UnsafePackage",
    "WrongNamespace",
    "message_bytes",
    "parse",
    "to_jsonable",
    "write_message",
]
