from django.urls import path

from qlvb.accounts import views

app_name = "accounts"
urlpatterns = [
    path("dang-nhap/", views.login_view, name="login"),
    path("dang-nhap/xac-thuc/", views.totp_verify_view, name="totp_verify"),
    path("dang-xuat/", views.logout_view, name="logout"),
    path("doi-mat-khau/", views.password_change_view, name="password_change"),
    path("xac-thuc-hai-lop/", views.totp_setup_view, name="totp_setup"),
    path("ma-truy-cap-api/", views.api_tokens_view, name="api_tokens"),
    path("ma-truy-cap-api/<int:pk>/thu-hoi/", views.api_token_revoke_view, name="api_token_revoke"),
]
