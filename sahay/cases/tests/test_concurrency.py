"""No lost update: saves of the same case from the same version, at the same time (goal figure 17)."""

from __future__ import annotations

import threading
from datetime import date

from django.db import connection
from django.test import Client
from django.urls import reverse

from conftest import sign_in_verified
from sahay.accounts.models import User
from sahay.cases.models import Case
from sahay.cases.services.cases import NewChild, case_register

SAVES = 50


def test_fifty_concurrent_saves_from_one_version_one_wins_the_rest_are_refused(
    committed_db, programme, organisations, make_user
):
    thai = organisations.partners["TH"]
    worker = make_user("case_worker", organisation=thai, username="worker")
    case = case_register(
        registered_by=worker,
        organisation=thai,
        intake="hotline",
        exploitation="online_abuse",
        opened_on=date(2017, 2, 1),
        child_role="victim",
        case_worker=worker,
        new_child=NewChild(code="TH-C-9", sex="female", birth_year_estimated=2006),
    )
    url = reverse("case_edit", args=[case.public_id])
    start = threading.Barrier(SAVES, timeout=60)
    statuses: dict[int, int] = {}
    pages: dict[int, str] = {}

    def save(number: int) -> None:
        client = sign_in_verified(Client(), User.objects.get(pk=worker.pk))
        start.wait()
        response = client.post(
            url,
            {
                "version": case.version,
                "intake": "hotline",
                "exploitation": "online_abuse",
                "opened_on": "2017-02-01",
                "summary": f"Version written by save {number}",
            },
        )
        statuses[number] = response.status_code
        pages[number] = response.content.decode()
        connection.close()

    threads = [threading.Thread(target=save, args=(number,)) for number in range(SAVES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [number for number, status in statuses.items() if status == 302]
    refused = [number for number, status in statuses.items() if status == 409]
    assert len(winners) == 1, statuses
    assert len(refused) == SAVES - 1, statuses
    saved = Case.objects.get(pk=case.pk)
    # The stored summary is the winner's, whole; every refused user gets their own text back.
    assert saved.summary == f"Version written by save {winners[0]}"
    assert saved.version == case.version + 1
    for number in refused:
        assert "Someone else saved this case" in pages[number]
        assert f"Version written by save {number}" in pages[number]
