"""The health endpoint for monitors, and `sahay serve`'s options and start-up refusals."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError
from django.test import Client

from sahay.core import health
from sahay.core.management.commands import serve

pytestmark = pytest.mark.django_db


def test_health_is_ok_without_sign_in_and_names_each_check(client: Client) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": {"status": "ok"}, "queue": {"status": "embedded"}, "encryption": {"status": "ok"}},
    }
    assert "no-store" in response["Cache-Control"]
    assert response["X-Request-ID"]


def test_a_database_failure_is_a_503_naming_it_without_its_text(client: Client, monkeypatch) -> None:
    def broken() -> str:
        raise OperationalError('connection to server at "db.internal" failed: password for "sahay" wrong')

    monkeypatch.setattr(health, "check_database", broken)
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failed"
    assert body["failed"] == ["database"]
    assert body["checks"]["database"] == {"status": "failed", "reason": "OperationalError"}
    assert body["checks"]["encryption"] == {"status": "ok"}
    assert "db.internal" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_an_unreachable_broker_is_a_503_quickly(client: Client, settings) -> None:
    settings.SAHAY_BROKER_URL = "redis://:broker-password@127.0.0.1:1/0"
    started = time.monotonic()
    response = client.get("/health/")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["queue"]
    assert body["checks"]["queue"]["status"] == "failed"
    assert "broker-password" not in response.content.decode()
    assert "127.0.0.1" not in response.content.decode()


def test_a_broken_encryption_key_is_a_503_without_the_key(client: Client, settings) -> None:
    settings.SAHAY_ENCRYPTION_KEYS = ["not-a-fernet-key-but-a-secret"]
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["failed"] == ["encryption"]
    assert "not-a-fernet-key" not in response.content.decode()


def test_polls_create_no_session(client: Client) -> None:
    for _ in range(3):
        response = client.get("/health/")
        assert response.status_code == 200
        assert not response.cookies
    assert Session.objects.count() == 0


def test_a_user_before_the_second_factor_gets_the_health_too(client: Client, role_users) -> None:
    client.force_login(role_users.system_administrator)  # past the password, not yet the second factor
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_health_takes_no_posts(client: Client) -> None:
    assert client.post("/health/").status_code == 405


def test_serve_takes_the_command_line_then_the_environment_then_defaults() -> None:
    environ = {"SAHAY_BIND": "0.0.0.0:9000", "SAHAY_WORKERS": "3", "SAHAY_ACCESS_LOG": "1"}
    chosen = serve.serve_options({"bind": None, "workers": None, "threads": 2, "timeout": None}, environ)
    assert chosen == serve.ServeOptions(
        bind="0.0.0.0:9000", workers=3, threads=2, timeout=serve.DEFAULT_TIMEOUT, access_log=True
    )
    assert serve.serve_options({"bind": "unix:/run/sahay.sock"}, {}).bind == "unix:/run/sahay.sock"
    assert serve.serve_options({}, {}).bind == "127.0.0.1:8000"
    settings_for_gunicorn = chosen.gunicorn_settings()
    assert settings_for_gunicorn["worker_class"] == "gthread"
    assert settings_for_gunicorn["preload_app"] is True
    assert settings_for_gunicorn["accesslog"] == "-"


def test_serve_caps_the_default_workers() -> None:
    assert serve.default_workers(1) == 3
    assert serve.default_workers(2) == 5
    assert serve.default_workers(64) == serve.MAX_DEFAULT_WORKERS


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_serve_refuses_a_nonsense_number(value: str) -> None:
    with pytest.raises(CommandError, match="SAHAY_WORKERS"):
        serve.serve_options({}, {"SAHAY_WORKERS": value})


def test_serve_check_says_ready_without_serving(capsys) -> None:
    call_command("serve", "--check", "--workers", "2", "--bind", "127.0.0.1:8999")
    assert "Ready to serve on 127.0.0.1:8999 with 2 workers" in capsys.readouterr().out


def test_collected_static_files_must_be_there_and_current(tmp_path: Path) -> None:
    problem = serve.collected_static_problem(tmp_path)
    assert problem is not None and "have not been collected" in problem

    manifest = tmp_path / "staticfiles.json"
    manifest.write_text(json.dumps({"paths": {}, "version": "1.1"}))
    problem = serve.collected_static_problem(tmp_path)
    assert problem is not None and "out of date" in problem

    from django.apps import apps
    from django.contrib.staticfiles.finders import get_finders

    ignore = apps.get_app_config("staticfiles").ignore_patterns
    shipped = {path: path for finder in get_finders() for path, _storage in finder.list(ignore)}
    manifest.write_text(json.dumps({"paths": shipped, "version": "1.1"}))
    assert serve.collected_static_problem(tmp_path) is None

    # A manifest older than a file Sahay ships: collected before an upgrade.
    os.utime(manifest, (1_000_000_000, 1_000_000_000))
    problem = serve.collected_static_problem(tmp_path)
    assert problem is not None and "changed since they were collected" in problem
