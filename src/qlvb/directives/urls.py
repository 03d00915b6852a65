from django.urls import path

from qlvb.directives import views

app_name = "directives"

urlpatterns = [
    path("", views.tracking_view, name="tracking"),
    path("danh-sach/", views.list_view, name="list"),
    path("giao/", views.create_view, name="create"),
    path("bao-cao/", views.report_view, name="report"),
    path("co-quan/<int:agency_id>/don-doc/", views.urge_agency_view, name="urge_agency"),
    path("tep/<int:file_id>/", views.file_view, name="file"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/<str:action>/", views.action_view, name="action"),
]
