from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "sahay.reports"
    label = "reports"
