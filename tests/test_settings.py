"""The production profile: no fallback secret, and Django's deployment checks clean."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_sahay(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean_env = {
        key: value for key, value in os.environ.items() if not key.startswith(("SAHAY_", "DATABASE_URL", "DJANGO_"))
    }
    return subprocess.run(  # noqa: S603 - our own command with fixed arguments
        [sys.executable, "-m", "sahay", *arguments],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_environment(tmp_path: Path) -> dict[str, str]:
    return {
        "SAHAY_PROFILE": "production",
        "SAHAY_SECRET_KEY": "k" * 20 + "-production-secret-from-the-environment-0123456789",
        "SAHAY_ALLOWED_HOSTS": "sahay.example.org",
        "SAHAY_ENCRYPTION_KEYS": "wFs1mYx2wXH1lKjzGGQ0Yz8xfJY1sHn6KXWzqkS0m2s=",
        "SAHAY_AUDIT_KEYS": "audit-key-for-the-production-profile-test-0123456789",
        "SAHAY_VAR_DIR": str(tmp_path),
        "SAHAY_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "SAHAY_EMAIL_HOST": "smtp.example.org",
    }


def test_the_production_profile_passes_check_deploy_without_warnings(tmp_path: Path) -> None:
    result = run_sahay("check", "--deploy", "--fail-level", "WARNING", env=production_environment(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("backend", ["console", "locmem", "dummy", "filebased"])
def test_the_production_deploy_check_refuses_a_mail_backend_that_delivers_nothing(tmp_path: Path, backend) -> None:
    environment = production_environment(tmp_path) | {
        "SAHAY_EMAIL_BACKEND": f"django.core.mail.backends.{backend}.EmailBackend"
    }
    result = run_sahay("check", "--deploy", "--fail-level", "WARNING", env=environment)
    assert result.returncode != 0
    assert "SAHAY_EMAIL_BACKEND" in result.stderr


def test_the_production_profile_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    result = run_sahay("check", env={"SAHAY_PROFILE": "production", "SAHAY_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SAHAY_SECRET_KEY must be set" in result.stderr


def test_the_development_profile_makes_its_own_key_outside_git(tmp_path: Path) -> None:
    result = run_sahay("check", env={"SAHAY_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "dev-secret-key").read_text().strip()) >= 50


def test_the_production_profile_refuses_to_start_without_encryption_keys(tmp_path: Path) -> None:
    result = run_sahay(
        "check",
        env={"SAHAY_PROFILE": "production", "SAHAY_VAR_DIR": str(tmp_path), "SAHAY_SECRET_KEY": "s" * 60},
    )
    assert result.returncode != 0
    assert "SAHAY_ENCRYPTION_KEYS must be set" in result.stderr


def test_the_production_profile_refuses_to_start_without_audit_keys(tmp_path: Path) -> None:
    result = run_sahay(
        "check",
        env={
            "SAHAY_PROFILE": "production",
            "SAHAY_VAR_DIR": str(tmp_path),
            "SAHAY_SECRET_KEY": "s" * 60,
            "SAHAY_ENCRYPTION_KEYS": "wFs1mYx2wXH1lKjzGGQ0Yz8xfJY1sHn6KXWzqkS0m2s=",
        },
    )
    assert result.returncode != 0
    assert "SAHAY_AUDIT_KEYS must be set" in result.stderr
    assert not (tmp_path / "dev-audit-key").exists()


def test_the_development_profile_makes_its_own_audit_key_outside_git(tmp_path: Path) -> None:
    result = run_sahay("check", env={"SAHAY_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "dev-audit-key").read_text().strip()) >= 32


def test_a_short_audit_key_is_refused(tmp_path: Path) -> None:
    result = run_sahay("check", env={"SAHAY_VAR_DIR": str(tmp_path), "SAHAY_AUDIT_KEYS": "guessable"})
    assert result.returncode != 0
    assert "at least 32 random characters" in result.stderr
