"""Facts of QCVN 102:2016 (../shared/standards/edxml.md): namespace, codes, formats."""

from __future__ import annotations

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
SHA256_URI = "http://www.w3.org/2001/04/xmlenc#sha256"
PREFIX = "edXML"

DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"

# BussinessDocType (double s: the standard's spelling)
BUSINESS_NEW, BUSINESS_RECALL, BUSINESS_UPDATE, BUSINESS_REPLACEMENT = 0, 1, 2, 3
BUSINESS_TYPES = {
    BUSINESS_NEW: "Văn bản mới",
    BUSINESS_RECALL: "Thu hồi văn bản",
    BUSINESS_UPDATE: "Cập nhật văn bản",
    BUSINESS_REPLACEMENT: "Thay thế văn bản",
}

STATUS_CODES = {
    "01": "Đã đến",
    "02": "Từ chối tiếp nhận",
    "03": "Đã tiếp nhận",
    "04": "Phân công",
    "05": "Đang xử lý",
    "06": "Hoàn thành",
    "13": "Yêu cầu lấy lại",
    "15": "Đồng ý yêu cầu cập nhật/lấy lại",
    "16": "Từ chối yêu cầu cập nhật/lấy lại",
}

ORGANIZATION_FIELDS = (
    ("organ_id", "OrganId"),
    ("organization_in_charge", "OrganizationInCharge"),
    ("organ_name", "OrganName"),
    ("organ_add", "OrganAdd"),
    ("email", "Email"),
    ("telephone", "Telephone"),
    ("fax", "Fax"),
    ("website", "Website"),
)
STAFF_FIELDS = (
    ("department", "Department"),
    ("staff", "Staff"),
    ("email", "Email"),
    ("mobile", "Mobile"),
)
