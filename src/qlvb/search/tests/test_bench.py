"""The search benchmark's completion of older datasets gives each document the file text the
generator writes (the same paragraphs, picked in SQL as scale/bodies.py picks them)."""

import pytest

from qlvb.scale import bodies
from qlvb.search.bench import _complete_file_text
from qlvb.search.models import SearchEntry

pytestmark = pytest.mark.django_db


def test_file_text_added_in_sql_is_the_generators(index):
    assert not SearchEntry.objects.exclude(body_text="").exists()  # blank scans: no text
    _complete_file_text(log=lambda line: None)
    entries = list(SearchEntry.objects.all())
    assert len(entries) == 3
    for entry in entries:
        assert (entry.body_text, entry.body_folded) == bodies.body(entry.document_id)
        assert len(entry.body_text.split()) > 150
    assert len({e.body_text for e in entries}) == 3
    from qlvb.search.selectors import search

    clerk = index["decision"].registered_by
    assert len(search(viewer=clerk, q="uy ban nhan dan")) == 3  # the index has the words
