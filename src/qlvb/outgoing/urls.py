from django.urls import path

from qlvb.outgoing import views

app_name = "outgoing"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("soan-thao/", views.create_view, name="create"),
    path("co-quan-ngoai/", views.external_suggestions, name="external_suggestions"),
    path("so-dang-ky/", views.register_book_view, name="register_book"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/theo-doi/", views.tracking_view, name="tracking"),
    path("<int:pk>/tep/<int:attachment_pk>/", views.file_view, name="file"),
    path("<int:pk>/<str:action>/", views.action_view, name="action"),
]
