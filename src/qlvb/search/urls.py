from django.urls import path

from qlvb.search import views

app_name = "search"

urlpatterns = [
    path("", views.index, name="index"),
    path("xuat-excel/", views.export, name="export"),
    path("xuat/<str:fmt>/", views.export, name="export_as"),
    path("luu/", views.save, name="save"),
    path("da-luu/<int:pk>/", views.rerun, name="rerun"),
    path("da-luu/<int:pk>/xoa/", views.delete, name="delete"),
    path("van-ban/<int:document_id>/noi-dung/", views.text_state, name="text_state"),
    path(
        "van-ban/<int:document_id>/noi-dung/<int:extraction_id>/ocr.pdf",
        views.searchable_pdf,
        name="searchable_pdf",
    ),
]
