"""Every API operation x every role x every kind of token, reads and writes, against the hand-written table.

The operations come from the OpenAPI schema, so a new endpoint missing from `access_spec.OPERATIONS` fails.
For each caller the matrix checks the answer a user would notice: 403 for a role without the right or a
read-only token that writes, 404 for an object outside the caller's scope or token (as for one that does
not exist), and neither for those allowed — who also find the object in the lists.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from sahay.api.models import ApiToken
from sahay.api.tests import access_spec
from sahay.api.tests.world import ApiWorld, api_world
from sahay.core.models import Country
from sahay.frameworks.models import Programme
from sahay.records.models import Participation, Person

FRESH = itertools.count(1)
METHODS = ("get", "post", "put", "patch", "delete")
ALL_SCOPE = {"programme_manager", "me_officer", "donor_viewer", "system_administrator"}


def schema_operations() -> set[str]:
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return {f"{method.upper()} {path}" for path, item in paths.items() for method in item if method in METHODS}


def test_every_api_operation_is_in_the_matrix(db) -> None:
    operations = schema_operations()
    assert len(operations) > 40
    missing = operations - set(access_spec.OPERATIONS)
    gone = set(access_spec.OPERATIONS) - operations
    assert not missing, f"API operations missing from the access matrix: {sorted(missing)}"
    assert not gone, f"Listed in the access matrix but not in the API: {sorted(gone)}"


@dataclass(frozen=True)
class Caller:
    role: str
    token: str  # "full", "read_only", "other_country" or "other_organisation"
    headers: dict[str, str]

    @property
    def name(self) -> str:
        return f"{self.role}/{self.token}"

    @property
    def limited_elsewhere(self) -> bool:
        return self.token in ("other_country", "other_organisation")


def callers(world: ApiWorld, organisations) -> list[Caller]:
    """Each role with a full token and a read-only one; roles that see more than one country or organisation
    also with tokens limited to another country (Nepal) and to another organisation (the second Thai partner)."""
    nepal = Country.objects.get(code="NP")
    found = []
    for role, user in world.users.items():
        found.append(Caller(role, "full", world.headers[role]))
        found.append(
            Caller(role, "read_only", world.token_headers(user, name="read only", access=ApiToken.Access.READ))
        )
        if role in ALL_SCOPE:
            found.append(Caller(role, "other_country", world.token_headers(user, name="NP", countries=(nepal,))))
            other = organisations.partners["TH2"]
            found.append(
                Caller(role, "other_organisation", world.token_headers(user, name="TH2", organisations=(other,)))
            )
        elif role == "country_coordinator":  # Nepal's: limited to a Nepali partner
            other = organisations.partners["NP"]
            found.append(
                Caller(role, "other_organisation", world.token_headers(user, name="NP2", organisations=(other,)))
            )
    return found


def target_of(world: ApiWorld, name: str) -> tuple[str, object]:
    """The object's id as its URLs and lists give it."""
    if name == "programme":
        return "code", Programme.objects.get().code
    if name == "partner":
        return "id", world.partner.pk
    if name == "external":
        return "id", world.external.pk
    if name == "participation":
        return "id", world.participation.pk
    if name == "fresh_participation":
        # Deleting takes the row away: each call gets one of its own.
        person = Person.objects.create(
            organisation=world.partner, country=world.partner.country, code=f"FRESH-{next(FRESH)}", sex="female"
        )
        fresh = Participation.objects.create(activity=world.activity, person=person)
        return "id", fresh.pk
    if name == "reach":
        return "id", world.reach.pk
    if name == "report":
        return "id", world.report.pk
    if name == "job":
        return "id", world.job.pk
    return "public_id", getattr(world, name).public_id


def expected(rule: access_spec.Rule, method: str, caller: Caller) -> str:
    if caller.role not in rule.allowed:
        return "refused"
    if method != "GET" and caller.token == "read_only":
        return "refused"
    if rule.target is None:
        return "allowed"
    target = rule.target
    if caller.role not in access_spec.SEES[target] or (caller.limited_elsewhere and target != "programme"):
        return "hidden"
    return "allowed"


def check(client: APIClient, operation: str, rule: access_spec.Rule, caller: Caller, world: ApiWorld) -> list[str]:
    method, path = operation.split(" ")
    want = expected(rule, method, caller)
    key, value = target_of(world, rule.target) if rule.target else ("", None)
    is_list = "{" not in path
    url = path.replace("{" + key + "}", str(value)) if not is_list else path
    if rule.query:
        url += "?" + rule.query
    if is_list and method == "GET" and rule.target:
        url += ("&" if "?" in url else "?") + "page_size=500"
    response = client.generic(method, url, data="{}", content_type="application/json", **_meta(caller.headers))
    status = response.status_code
    where = f"{caller.name} {operation}: {status}"
    if status >= 500 or status == 401:
        return [where]
    if want == "refused":
        return [] if status == 403 else [f"{where}, expected 403"]
    if is_list and method == "GET" and rule.target:
        if status != 200:
            return [f"{where}, expected 200"]
        listed = str(value) in response.content.decode()
        if listed != (want == "allowed"):
            return [f"{where}, the {rule.target} is {'listed' if listed else 'missing'}"]
        return []
    if want == "hidden":
        return [] if status == 404 else [f"{where}, expected 404"]
    return [f"{where}, expected an answer"] if status in (403, 404) else []


def _meta(headers: dict[str, str]) -> dict[str, str]:
    return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}


GROUPS = sorted({operation.split(" ")[1].split("/")[2] for operation in access_spec.OPERATIONS})


@pytest.mark.parametrize("group", GROUPS)
def test_each_caller_reaches_exactly_its_operations(group, programme, organisations, role_users) -> None:
    world = api_world(organisations, role_users)
    client, everyone = APIClient(), callers(world, organisations)
    unexpected, checked = [], 0
    for operation, rule in access_spec.OPERATIONS.items():
        if operation.split(" ")[1].split("/")[2] != group:
            continue
        for caller in everyone:
            unexpected += check(client, operation, rule, caller, world)
            checked += 1
    print(f"{group}: {checked} calls checked")
    assert checked
    assert not unexpected, "\n".join(unexpected)


def test_the_matrix_is_large_enough() -> None:
    """Every operation, for eight roles, each with two to four kinds of token."""
    assert len(access_spec.OPERATIONS) * 8 * 2 >= 700
