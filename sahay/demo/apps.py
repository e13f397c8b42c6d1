from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sahay.demo"
    label = "demo"
