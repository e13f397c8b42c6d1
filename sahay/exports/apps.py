from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "sahay.exports"
    label = "exports"
