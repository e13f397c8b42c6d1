from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "sahay.records"
    label = "records"
