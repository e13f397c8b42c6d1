"""Goal 25: no answer of a signed-in page is kept by a browser or a proxy (issue 15, item 11).

Walks the page-access matrix: every page, as a role that may open it (or, for an import's pages, as its
uploader), must answer `Cache-Control: no-store`, whatever it shows.
"""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from sahay.accounts.models import User
from sahay.accounts.tests.test_page_access import EXPECTED, ROLES, matrix_data  # noqa: F401 - a fixture
from sahay.core.encryption import encrypt_bytes
from sahay.jobs.models import Job

OWNER_PAGES = {"import_job"}  # an import's page is its uploader's alone


def reader_of(name: str, role_users, matrix_data) -> User | None:  # noqa: F811
    if name in OWNER_PAGES:
        job = Job.objects.get(pk=matrix_data["job"])
        job.arguments = {"file_name": encrypt_bytes(b"people.csv").decode("ascii")}
        job.save()
        return job.owner
    allowed = [role for role in ROLES if role in EXPECTED[name].allowed]
    return getattr(role_users, allowed[0]) if allowed else None


def test_every_signed_in_page_is_never_stored(role_users, matrix_data, client_for) -> None:  # noqa: F811
    stored = {}
    for name, expectation in sorted(EXPECTED.items()):
        user = reader_of(name, role_users, matrix_data)
        if user is None:
            continue  # no role opens it: its refusals are checked below
        url = reverse(name, kwargs=expectation.kwargs(matrix_data)) + expectation.query
        response = client_for(user).get(url)
        assert response.status_code in (200, 302), url
        if "no-store" not in response.get("Cache-Control", ""):
            stored[name] = response.get("Cache-Control")
    assert stored == {}


def test_refusals_and_the_sign_in_redirect_are_not_stored_either(role_users, matrix_data, client_for) -> None:  # noqa: F811
    refused = client_for(role_users.donor_viewer).get(reverse("audit_log"))
    assert refused.status_code == 403
    assert "no-store" in refused.get("Cache-Control", "")
    anonymous = Client().get(reverse("person_list"))
    assert anonymous.status_code == 302
    assert "no-store" in anonymous.get("Cache-Control", "")
