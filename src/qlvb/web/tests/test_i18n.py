"""Vietnamese first: every catalog is complete, and English still works."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.urls import reverse

SRC = Path(__file__).resolve().parents[2]  # src/qlvb
CATALOGS = sorted(SRC.rglob("locale/*/LC_MESSAGES/*.po"))


def test_catalogs_exist():
    names = {str(p.relative_to(SRC)) for p in CATALOGS}
    assert "web/locale/vi/LC_MESSAGES/django.po" in names
    assert "agencies/locale/vi/LC_MESSAGES/django.po" in names


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: str(p.relative_to(SRC)))
def test_catalog_is_complete(path):
    catalog = polib.pofile(str(path))
    untranslated = [e.msgid for e in catalog.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries() if not e.obsolete]
    assert not untranslated, f"untranslated in {path}: {untranslated}"
    assert not fuzzy, f"fuzzy in {path}: {fuzzy}"
    assert not catalog.metadata_is_fuzzy
    msgids = [(e.msgctxt, e.msgid) for e in catalog if not e.obsolete]
    assert len(msgids) == len(set(msgids)), f"duplicate msgid in {path}"


@pytest.mark.django_db
def test_directory_page_in_english(client, clerk, province):
    client.force_login(clerk)
    client.cookies["django_language"] = "en"  # what the language switch sets
    html = client.get(reverse("agencies:list")).content.decode()
    assert "Agency directory" in html
    assert "Identifier code" in html
    assert "Danh bạ cơ quan" not in html


@pytest.mark.django_db
def test_directory_page_in_vietnamese_by_default(client, clerk, province):
    client.force_login(clerk)
    html = client.get(reverse("agencies:list")).content.decode()
    assert "Danh bạ cơ quan" in html
    assert "Mã định danh" in html
    assert "UBND tỉnh Đắk Lắk" in html
