from django.urls import path

from qlvb.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index_view, name="index"),
    path("nhap-so-cu/", views.import_view, name="import"),
    path("nhap-so-cu/<int:pk>/", views.import_status_view, name="import_status"),
    path("<slug:name>/", views.report_view, name="report"),
    path("<slug:name>/tai-ve/<str:fmt>/", views.download_view, name="download"),
    path("<slug:name>/du-thao/", views.draft_view, name="draft"),
    path("<slug:name>/chi-tiet/", views.cell_view, name="cell"),
]
