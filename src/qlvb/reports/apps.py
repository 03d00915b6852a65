from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "qlvb.reports"
    label = "reports"
    verbose_name = "Báo cáo, thống kê"
