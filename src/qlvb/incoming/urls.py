from django.urls import path

from qlvb.incoming import views

app_name = "incoming"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("vao-so/", views.register_view, name="register"),
    path("so-dang-ky/", views.register_book_view, name="register_book"),
    path("goi-y-noi-gui/", views.sender_suggestions, name="sender_suggestions"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/phieu-giai-quyet/", views.slip_view, name="slip"),
    path("<int:pk>/tep/<int:attachment_pk>/", views.attachment_view, name="attachment"),
    path("<int:pk>/<str:action>/", views.action_view, name="action"),
]
