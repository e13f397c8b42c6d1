"""Identity exports: who may make them, whose names they hold, the encrypted archive and its one-minute link."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
import pyzipper
from django.core import signing
from django.urls import reverse

from sahay.audit.models import AuditAction, AuditEntry
from sahay.exports.models import IdentityExport
from sahay.exports.selectors import identity_people
from sahay.records.models import Person
from sahay.records.selectors import sees_identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def identified(world: Any, organisations: Any) -> Any:
    for key in ("TH", "TH2", "NP"):
        world.person(
            organisations.partners[key], code=f"{key}-1", name=f"Zelda Quarrington {key}", contact=f"+66 555 {key}"
        )
    return world


def make_archive(client: Any) -> Any:
    response = client.post(reverse("export_identities"))
    assert response.status_code == 200
    created = response.context["created"]
    assert created.passphrase in response.content.decode()
    return created


def download(client: Any, token: str) -> Any:
    return client.get(reverse("export_download", args=[token]))


def opened(content: bytes, passphrase: str) -> str:
    with pyzipper.AESZipFile(io.BytesIO(content)) as archive:
        archive.setpassword(passphrase.encode())
        member: bytes = archive.read("people.csv")
    return member.decode("utf-8-sig")


def test_get_asks_for_confirmation_and_makes_nothing(identified: Any, role_users: Any, client_for: Any) -> None:
    response = client_for(role_users.partner_staff).get(reverse("export_identities"))
    assert response.status_code == 200
    assert '<form method="post"' in response.content.decode()
    assert not IdentityExport.objects.exists()


def test_the_archive_holds_only_the_people_whose_identity_the_user_may_see(
    identified: Any, role_users: Any, client_for: Any
) -> None:
    client = client_for(role_users.partner_staff)
    created = make_archive(client)
    text = opened(download(client, created.token).content, created.passphrase)
    assert "Zelda Quarrington TH" in text and "+66 555 TH" in text
    assert "Quarrington TH2" not in text and "Quarrington NP" not in text
    partner = role_users.partner_staff
    allowed = set(identity_people(user=partner))
    assert allowed == {person for person in Person.objects.all() if sees_identity(partner, person)}


def test_the_owner_downloads_once_within_the_minute(identified: Any, role_users: Any, client_for: Any) -> None:
    client = client_for(role_users.partner_staff)
    created = make_archive(client)
    first = download(client, created.token)
    assert first.status_code == 200
    assert first["Content-Type"] == "application/zip"
    second = download(client, created.token)
    assert second.status_code == 404
    assert "expired" in second.content.decode()
    export = IdentityExport.objects.get()
    assert export.downloaded_at is not None and bytes(export.archive) == b""


def test_the_archive_is_stored_encrypted_at_rest(identified: Any, role_users: Any, client_for: Any) -> None:
    created = make_archive(client_for(role_users.partner_staff))
    stored = bytes(IdentityExport.objects.get(pk=created.export.pk).archive)
    assert not stored.startswith(b"PK") and b"people.csv" not in stored


def test_the_archive_does_not_open_without_the_passphrase(identified: Any, role_users: Any, client_for: Any) -> None:
    client = client_for(role_users.partner_staff)
    created = make_archive(client)
    content = download(client, created.token).content
    with pyzipper.AESZipFile(io.BytesIO(content)) as archive:
        assert archive.getinfo("people.csv").flag_bits & 0x1  # encrypted
        with pytest.raises(RuntimeError):
            archive.read("people.csv")
        archive.setpassword(b"not the passphrase")
        with pytest.raises(RuntimeError):
            archive.read("people.csv")
    assert "Zelda Quarrington TH" in opened(content, created.passphrase)


def test_another_user_gets_a_404_and_the_owner_still_can(
    identified: Any, role_users: Any, client_for: Any, make_user: Any, organisations: Any
) -> None:
    created = make_archive(client_for(role_users.partner_staff))
    colleague = make_user("partner_staff", organisation=organisations.partners["TH"])
    assert download(client_for(colleague), created.token).status_code == 404
    assert download(client_for(role_users.programme_manager), created.token).status_code == 404
    assert download(client_for(role_users.partner_staff), created.token).status_code == 200


def test_an_expired_link_gives_a_404_and_the_archive_is_deleted(
    identified: Any, role_users: Any, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for(role_users.partner_staff)
    created = make_archive(client)
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 61)
    response = download(client, created.token)
    assert response.status_code == 404
    assert "expired" in response.content.decode()
    # The server's own clock agrees once the minute has passed: the archive is thrown away.
    monkeypatch.undo()
    IdentityExport.objects.filter(pk=created.export.pk).update(created_at=created.export.created_at.replace(year=2020))
    assert download(client, created.token).status_code == 404
    assert bytes(IdentityExport.objects.get(pk=created.export.pk).archive) == b""


def test_a_forged_token_gives_a_404(identified: Any, role_users: Any, client_for: Any) -> None:
    created = make_archive(client_for(role_users.partner_staff))
    assert download(client_for(role_users.partner_staff), f"{created.export.pk}:forged:token").status_code == 404


def test_creation_and_download_are_audited(identified: Any, role_users: Any, client_for: Any) -> None:
    client = client_for(role_users.partner_staff)
    created = make_archive(client)
    download(client, created.token)
    entries = list(AuditEntry.objects.filter(action=AuditAction.EXPORT, target_kind="identity_export"))
    assert [entry.detail["step"] for entry in entries] == ["created", "downloaded"]
    assert entries[0].detail["people"] == 1
    assert entries[0].detail["person_ids"] == [Person.objects.get(code="TH-1").public_id]
    assert all("Quarrington" not in str(entry.detail) for entry in entries)


def test_users_who_see_no_identities_cannot_export_them(identified: Any, role_users: Any, client_for: Any) -> None:
    assert client_for(role_users.donor_viewer).get(reverse("export_identities")).status_code == 403
    assert client_for(role_users.system_administrator).post(reverse("export_identities")).status_code == 403
    # Programme staff without an organisation see no identity in bulk: the page says so and makes nothing.
    response = client_for(role_users.programme_manager).post(reverse("export_identities"))
    assert response.status_code == 200
    assert "no identities you may export" in response.content.decode()
    assert not IdentityExport.objects.exists()
