from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sahay.core"
    label = "core"
