from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "sahay.jobs"
    label = "jobs"
