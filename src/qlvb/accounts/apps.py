from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "qlvb.accounts"
    label = "accounts"
    verbose_name = "Đăng nhập"
