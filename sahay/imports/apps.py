from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "sahay.imports"
    label = "imports"

    def ready(self) -> None:
        from sahay.imports import jobs  # noqa: F401 - registers the import job with the task mechanism
