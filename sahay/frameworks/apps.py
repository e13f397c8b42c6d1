from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "sahay.frameworks"
    label = "frameworks"
