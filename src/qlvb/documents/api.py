"""/api/v1/document-types: the document types (loại văn bản) as editable data."""

from __future__ import annotations

from ninja import Router, Schema, Status

from qlvb.core.errors import NotFound
from qlvb.documents.models import DocumentType
from qlvb.documents.services import document_type_save

router = Router(tags=["Loại văn bản"])


class DocumentTypeOut(Schema):
    id: int
    name: str
    abbreviation: str
    requires_paper: bool
    is_active: bool


class DocumentTypeIn(Schema):
    name: str | None = None
    abbreviation: str | None = None
    requires_paper: bool | None = None
    is_active: bool | None = None


@router.get("/document-types", response=list[DocumentTypeOut], summary="Danh mục loại văn bản")
def document_type_list(request):
    return list(DocumentType.objects.order_by("sort_order", "name"))


@router.post("/document-types", response={201: DocumentTypeOut}, summary="Thêm loại văn bản")
def document_type_create(request, payload: DocumentTypeIn):
    data = payload.dict(exclude_none=True)
    return Status(201, document_type_save(actor=request.auth, data=data))


@router.patch("/document-types/{pk}", response=DocumentTypeOut, summary="Sửa loại văn bản")
def document_type_update(request, pk: int, payload: DocumentTypeIn):
    item = DocumentType.objects.filter(pk=pk).first()
    if item is None:
        raise NotFound("Không tìm thấy loại văn bản.")
    return document_type_save(
        actor=request.auth, data=payload.dict(exclude_none=True), document_type=item
    )
