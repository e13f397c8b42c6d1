from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "sahay.reports"
    label = "reports"

    def ready(self) -> None:
        from sahay.reports import draft_files  # noqa: F401 - registers the draft file job with the task mechanism
