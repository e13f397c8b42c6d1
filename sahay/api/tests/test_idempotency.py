"""Goal: a write retried with the same Idempotency-Key creates one record, and the retry gets the first answer."""

from __future__ import annotations

from sahay.api.models import IdempotentRequest
from sahay.records.models import Person

PEOPLE = "/api/people/"


def new_person(organisation, code: str = "IDEM-1") -> dict[str, object]:
    return {"organisation": organisation.pk, "code": code, "sex": "female", "birth_year_estimated": 2008}


def test_a_retried_write_creates_one_record(programme, organisations, role_users, token_client) -> None:
    client = token_client(role_users.partner_staff)
    body = new_person(organisations.partners["TH"])
    first = client.post(PEOPLE, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    again = client.post(PEOPLE, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == 201
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Person.objects.filter(code="IDEM-1").count() == 1


def test_without_a_key_a_second_write_is_a_second_request(programme, organisations, role_users, token_client) -> None:
    client = token_client(role_users.partner_staff)
    assert client.post(PEOPLE, new_person(organisations.partners["TH"]), format="json").status_code == 201
    # The same code again is refused by the records' own rule, not silently replayed.
    assert client.post(PEOPLE, new_person(organisations.partners["TH"]), format="json").status_code == 400


def test_the_same_key_for_another_request_is_refused(programme, organisations, role_users, token_client) -> None:
    client = token_client(role_users.partner_staff)
    partner = organisations.partners["TH"]
    client.post(PEOPLE, new_person(partner, "IDEM-1"), format="json", HTTP_IDEMPOTENCY_KEY="k")
    other = client.post(PEOPLE, new_person(partner, "IDEM-2"), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert other.status_code == 422
    assert "another request" in other.json()["detail"]
    assert not Person.objects.filter(code="IDEM-2").exists()


def test_a_refused_write_keeps_no_answer_so_it_can_be_corrected(
    programme, organisations, role_users, token_client
) -> None:
    client = token_client(role_users.partner_staff)
    partner = organisations.partners["TH"]
    refused = client.post(PEOPLE, {"organisation": partner.pk}, format="json", HTTP_IDEMPOTENCY_KEY="fix-me")
    assert refused.status_code == 400
    assert not IdempotentRequest.objects.exists()


def test_keys_belong_to_their_user(programme, organisations, role_users, token_client, make_user) -> None:
    partner = organisations.partners["TH"]
    colleague = make_user("partner_staff", organisation=partner)
    token_client(role_users.partner_staff).post(
        PEOPLE, new_person(partner, "IDEM-1"), format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    second = token_client(colleague).post(
        PEOPLE, new_person(partner, "IDEM-2"), format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert second.status_code == 201
    assert Person.objects.filter(code__in=["IDEM-1", "IDEM-2"]).count() == 2


def test_a_key_that_is_too_long_is_refused(programme, organisations, role_users, token_client) -> None:
    response = token_client(role_users.partner_staff).post(
        PEOPLE, new_person(organisations.partners["TH"]), format="json", HTTP_IDEMPOTENCY_KEY="k" * 300
    )
    assert response.status_code == 400
    assert not Person.objects.exists()


def test_the_same_write_sent_twice_at_once_creates_one_record(
    committed_db, programme, organisations, role_users, token_client
) -> None:
    """Two copies of a request racing each other (a client retrying before the first answer came)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    client = token_client(role_users.partner_staff)
    body = new_person(organisations.partners["TH"], "RACE-1")

    def send(_: int) -> int:
        try:
            status: int = client.post(PEOPLE, body, format="json", HTTP_IDEMPOTENCY_KEY="race").status_code
            return status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = sorted(pool.map(send, range(2)))
    assert Person.objects.filter(code="RACE-1").count() == 1
    # One wrote; the other got the same answer, or was told to send it again (which then replays it).
    assert answers in ([201, 201], [201, 409])
    assert client.post(PEOPLE, body, format="json", HTTP_IDEMPOTENCY_KEY="race").status_code == 201
    assert Person.objects.filter(code="RACE-1").count() == 1
