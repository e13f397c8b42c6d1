from django.apps import AppConfig


class FiguresConfig(AppConfig):
    name = "sahay.figures"
    label = "figures"

    def ready(self) -> None:
        from sahay.figures.ledger import signals

        signals.connect()
