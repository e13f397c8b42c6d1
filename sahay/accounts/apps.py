from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sahay.accounts"
    label = "accounts"
