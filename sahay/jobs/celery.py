"""Celery, used only when a broker is configured (`SAHAY_BROKER_URL`): `celery -A sahay.jobs.celery worker`."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sahay.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402

app = Celery("sahay", broker=settings.SAHAY_BROKER_URL)
app.conf.update(task_acks_late=True, worker_prefetch_multiplier=1, task_reject_on_worker_lost=True)


@app.task(  # type: ignore[untyped-decorator]  # celery ships no types
    name="sahay.jobs.run", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5
)
def run(pk: int) -> None:
    from django.db import close_old_connections

    from sahay.jobs.runner import run_job

    close_old_connections()
    run_job(pk)
