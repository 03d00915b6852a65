"""Fuzzing the parser: whatever the bytes, a package or a clean rejection (EdxmlError)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qlvb.exchange.edxml import message_bytes, parse
from qlvb.exchange.edxml.errors import EdxmlError

from .samples import full_package, status_message

_package = full_package(files=[("a.pdf", b"%PDF-1.4 fuzz" * 20)])
SEEDS = [message_bytes(_package), message_bytes(status_message("05"))]
_package.cleanup()


def _parse_or_reject(data: bytes) -> None:
    try:
        message = parse(data)
    except EdxmlError as exc:
        assert exc.message
        return
    message.cleanup()


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    seed=st.sampled_from(SEEDS),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 40), st.binary(max_size=12)), max_size=6
    ),
)
def test_mutated_packages(seed, edits):
    data = bytearray(seed)
    for where, cut, insert in edits:
        at = int(where * len(data))
        data[at : at + cut] = insert
    _parse_or_reject(bytes(data))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes(data):
    _parse_or_reject(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_random_text_inside_elements(text):
    seed = SEEDS[0].decode()
    _parse_or_reject(seed.replace("UBND-TH", text, 1).encode("utf-8", "surrogatepass"))
