from __future__ import annotations

from pathlib import Path

import polib
import pytest

import qlvb.accounts

LOCALE = Path(qlvb.accounts.__file__).parent / "locale" / "vi" / "LC_MESSAGES"


def test_every_accounts_string_has_a_vietnamese_translation():
    po = polib.pofile(str(LOCALE / "django.po"))
    assert len(po) > 30
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert po.obsolete_entries() == []


@pytest.mark.django_db
def test_pages_are_in_vietnamese(client, person):
    if not (LOCALE / "django.mo").exists():
        pytest.skip("messages not compiled (make messages)")
    body = client.get("/tai-khoan/dang-nhap/").content.decode()
    assert "Đăng nhập" in body and "Tên đăng nhập" in body and "Mật khẩu" in body
    client.force_login(person)
    body = client.get("/tai-khoan/xac-thuc-hai-lop/").content.decode()
    assert "Xác thực hai lớp" in body and "Khóa bí mật" in body
    body = client.get("/tai-khoan/doi-mat-khau/").content.decode()
    assert "Mật khẩu hiện tại" in body and "Nhập lại mật khẩu mới" in body
