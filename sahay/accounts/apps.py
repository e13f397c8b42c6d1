from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sahay.accounts"
    label = "accounts"

    def ready(self) -> None:
        from sahay.accounts import checks  # noqa: F401 - registers the deployment checks
