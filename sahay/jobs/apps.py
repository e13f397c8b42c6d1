from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def job_time_limits_check(**_kwargs: Any) -> list[checks.CheckMessage]:
    """A malformed SAHAY_JOB_TIME_LIMITS stops the server at start, not the first job."""
    from sahay.jobs.runner import time_limits

    try:
        time_limits()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="sahay.jobs.E001")]
    return []


class JobsConfig(AppConfig):
    name = "sahay.jobs"
    label = "jobs"

    def ready(self) -> None:
        checks.register(job_time_limits_check)
