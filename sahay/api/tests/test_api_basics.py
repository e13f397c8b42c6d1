"""What every API call shares: the schema, authentication by session, errors, rate limits."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from conftest import sign_in_verified

FRAMEWORK = "/api/framework/"


def test_the_openapi_schema_is_served_and_valid(db) -> None:
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    paths = schema["paths"]
    for resource in ("framework", "people", "households", "organisations", "activities", "participations"):
        assert f"/api/{resource}/" in paths, resource
    for resource in ("services", "aggregate-reach", "figures", "reports", "imports", "cases"):
        assert f"/api/{resource}/" in paths, resource


def test_the_documentation_page_is_served_by_sahay_itself(programme, role_users, client_for) -> None:
    page = client_for(role_users.me_officer).get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    assert "https://" not in html.replace("https://github.com", "")  # nothing loaded from an outside host


def test_the_documentation_page_asks_for_the_second_factor(programme, role_users) -> None:
    client = Client()
    client.force_login(role_users.me_officer)  # past the password, not the second factor
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second_factor"))
    assert Client().get("/api/docs/")["Location"].startswith(reverse("login"))


def test_a_verified_session_reads_the_api(programme, role_users) -> None:
    client = sign_in_verified(Client(), role_users.me_officer)
    assert client.get(FRAMEWORK).status_code == 200


def test_a_session_without_the_second_factor_is_not_signed_in_to_the_api(programme, role_users) -> None:
    client = Client()
    client.force_login(role_users.me_officer)
    response = client.get(FRAMEWORK)
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_a_session_write_needs_the_csrf_token(programme, organisations, role_users) -> None:
    client = sign_in_verified(Client(enforce_csrf_checks=True), role_users.partner_staff)
    response = client.post(
        "/api/people/",
        {"organisation": organisations.partners["TH"].pk, "code": "P-CSRF", "sex": "female"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_an_anonymous_call_gets_401_in_json(db) -> None:
    response = APIClient().get(FRAMEWORK)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_each_token_has_its_own_rate_limit(programme, role_users, token_client, settings) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "3/minute"}}
    first, second = token_client(role_users.me_officer), token_client(role_users.me_officer)
    answers = [first.get(FRAMEWORK).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert "Retry-After" in first.get(FRAMEWORK).headers
    assert second.get(FRAMEWORK).status_code == 200


def test_pages_of_results(programme, role_users, token_client) -> None:
    body = token_client(role_users.me_officer).get(FRAMEWORK, {"page_size": 1}).json()
    assert body["count"] == 1 and len(body["results"]) == 1
    assert body["results"][0]["code"] == programme.code
    assert token_client(role_users.me_officer).get(FRAMEWORK, {"page": 99}).status_code == 404
