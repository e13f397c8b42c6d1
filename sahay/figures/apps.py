from django.apps import AppConfig


class FiguresConfig(AppConfig):
    name = "sahay.figures"
    label = "figures"
