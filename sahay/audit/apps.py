from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sahay.audit"
    label = "audit"
