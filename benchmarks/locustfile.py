"""The load test's virtual users (locust): programme staff, partners recording, case work and donors.

Run by `python -m benchmarks.loadtest`, which prepares the seats file (one Sahay login, its second-factor
key and its API token per virtual user) and names it in LOAD_SEATS. Every write the server acknowledges is
listed in LOAD_ACKS when the run stops, so the driver can check that each one is in the database.

The server runs the production profile behind no TLS: each request carries `X-Forwarded-Proto: https`, as
a TLS-terminating proxy in front of Sahay would add, and the secure session and CSRF cookies are sent back
over the loopback's plain HTTP (a browser would not; the proxy is what makes them travel over TLS).
Each request opens its own connection, as nginx does towards its upstream by default.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import random
import re
import struct
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from http.cookiejar import Cookie
from pathlib import Path
from typing import Any, ClassVar

from locust import HttpUser, between, events, task
from locust.env import Environment
from requests.cookies import RequestsCookieJar

SEATS: dict[str, Any] = json.loads(Path(os.environ["LOAD_SEATS"]).read_text()) if "LOAD_SEATS" in os.environ else {}
ACKS_PATH = os.environ.get("LOAD_ACKS", "")
# How long a person thinks between two requests: a page is read, a form filled in.
THINK_SECONDS = (float(os.environ.get("LOAD_THINK_MIN", "5")), float(os.environ.get("LOAD_THINK_MAX", "15")))
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Recorded activities fall in a half year the demo has not approved, so no write needs a correction reason.
ACTIVITY_DAYS = (date(2019, 1, 1), 180)
PERIODS = ("2017-H1", "2017-H2", "2018-H1")

# What the server acknowledged, written out when the run stops.
acknowledged: dict[str, list[Any]] = {"people": [], "activities": [], "participations": []}
# Writes sent whose answer never came (a timeout or a dropped connection): not acknowledged, not lost.
unanswered: list[str] = []


addresses = itertools.count()


class LoopbackTLSJar(RequestsCookieJar):
    """Keeps secure cookies as plain ones, to send them over the loopback's HTTP: the proxy the test
    stands in for would carry them over TLS. (requests copies the session's cookies into a jar of its own
    for each request, so a cookie policy on the session's jar would not be asked.)"""

    def set_cookie(self, cookie: Cookie, *args: Any, **kwargs: Any) -> None:
        cookie.secure = False
        super().set_cookie(cookie, *args, **kwargs)


def totp_code(key_hex: str, at: float | None = None) -> str:
    """The six-digit TOTP code of a device key (RFC 6238, 30-second steps, as django-otp's devices)."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


class SahayUser(HttpUser):
    """A signed-in person (password and second factor) who also holds a personal API token."""

    abstract = True
    kind: ClassVar[str] = ""
    wait_time = between(*THINK_SECONDS)
    seats: ClassVar[Iterator[dict[str, Any]]]
    seat: dict[str, Any]

    def on_start(self) -> None:
        self.seat = next(type(self).seats)
        self.client.cookies = LoopbackTLSJar()
        # Behind the proxy every request is HTTPS, and CSRF checks the Referer of HTTPS requests. One
        # connection per request, as nginx speaks to its upstream unless told otherwise (HTTP/1.0).
        # The proxy also says who is calling: each virtual user from an address of its own, so the sign-in
        # lock per address (SAHAY_SIGN_IN_MAX_FAILURES_PER_ADDRESS) applies per person, as it would.
        number = next(addresses)
        self.client.headers.update(
            {
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": f"10.0.{number // 250}.{number % 250 + 1}",
                "Referer": f"https://{self.host_name()}/",
                "Connection": "close",
            }
        )
        self.sign_in()

    def host_name(self) -> str:
        return str(self.host).split("://", 1)[1].rstrip("/")

    def sign_in(self) -> None:
        page = self.client.get("/sign-in/", name="GET /sign-in/")
        with self.client.post(
            "/sign-in/",
            data={
                "csrfmiddlewaretoken": self._csrf(page.text),
                "username": self.seat["username"],
                "password": SEATS["password"],
            },
            allow_redirects=False,
            name="POST /sign-in/ (password)",
            catch_response=True,
        ) as answer:
            if answer.status_code != 302 or "second-factor" not in answer.headers.get("Location", ""):
                answer.failure(f"password step answered {answer.status_code}")
                return
        step = self.client.get("/sign-in/second-factor/?next=/", name="GET /sign-in/second-factor/")
        with self.client.post(
            "/sign-in/second-factor/",
            data={"csrfmiddlewaretoken": self._csrf(step.text), "code": totp_code(self.seat["totp_key"]), "next": "/"},
            allow_redirects=False,
            name="POST /sign-in/second-factor/",
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"second factor answered {answer.status_code}")

    @staticmethod
    def _csrf(html: str) -> str:
        found = CSRF_FIELD.search(html)
        return found.group(1) if found else ""

    def page(self, path: str, name: str) -> None:
        """A page read: 200, never a redirect (to the sign-in, say)."""
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code} {answer.headers.get('Location', '')}")

    def api_get(self, path: str, name: str) -> None:
        headers = {"Authorization": f"Bearer {self.seat['token']}"}
        with self.client.get(path, name=name, headers=headers, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code} {answer.text[:200]}")

    def api_post(self, path: str, payload: dict[str, Any], name: str) -> Any:
        """A write through the API with an idempotency key; its answer when the server acknowledged it."""
        headers = {"Authorization": f"Bearer {self.seat['token']}", "Idempotency-Key": str(uuid.uuid4())}
        with self.client.post(path, json=payload, name=name, headers=headers, catch_response=True) as answer:
            if answer.status_code == 201:
                return answer.json()
            if answer.status_code == 0:
                unanswered.append(name)
            answer.failure(f"{answer.status_code} {answer.text[:200]}")
            return None


class ProgrammeStaff(SahayUser):
    """Programme manager, M&E officer and country coordinator clones: figures, drill-downs, record lists."""

    kind = "programme"

    @task(4)
    def dashboard(self) -> None:
        self.page(f"/?period={random.choice(PERIODS)}", "GET / (dashboard)")

    @task(3)
    def country(self) -> None:
        self.page(f"/countries/{random.choice(self.seat['countries'])}/", "GET /countries/[code]/")

    @task(2)
    def drill_down(self) -> None:
        indicator = random.choice(SEATS["indicators"])
        country = random.choice(self.seat["countries"])
        self.page(
            f"/figures/{indicator}/records/?country={country}&period={random.choice(PERIODS)}",
            "GET /figures/[indicator]/records/",
        )

    @task(1)
    def people(self) -> None:
        self.page("/records/people/", "GET /records/people/")

    @task(1)
    def activities(self) -> None:
        self.page("/records/activities/", "GET /records/activities/")

    @task(1)
    def api_figures(self) -> None:
        self.api_get(f"/api/figures/?period={random.choice(PERIODS)}", "GET /api/figures/")


class PartnerRecorder(SahayUser):
    """Partner staff clones: an awareness session with its new participants, through the API; their lists."""

    kind = "recorder"
    written = 0

    @task(3)
    def record_session(self) -> None:
        organisation = self.seat["organisation"]
        codes = []
        for _ in range(random.randint(2, 4)):
            self.written += 1
            code = f"{self.seat['code_prefix']}-{self.written}"
            person = self.api_post(
                "/api/people/",
                {
                    "organisation": organisation,
                    "code": code,
                    "sex": random.choice(["female", "male"]),
                    "birth_year_estimated": random.randint(2004, 2012),
                    "name": f"Synthetic {code}",
                },
                "POST /api/people/",
            )
            if person is None:
                return
            acknowledged["people"].append([organisation, code])
            codes.append(code)
        self.written += 1
        title = f"{self.seat['code_prefix']} session {self.written}"
        held = ACTIVITY_DAYS[0] + timedelta(days=random.randrange(ACTIVITY_DAYS[1]))
        activity = self.api_post(
            "/api/activities/",
            {"organisation": organisation, "kind": "awareness_session", "title": title, "date": held.isoformat()},
            "POST /api/activities/",
        )
        if activity is None:
            return
        acknowledged["activities"].append(activity["public_id"])
        # Today's newcomers and a few known faces from the seat's earlier sessions.
        known = random.sample(self.seat.get("known_codes", []), k=min(2, len(self.seat.get("known_codes", []))))
        participants = [{"person_code": code} for code in codes + known]
        answer = self.api_post(
            "/api/participations/bulk/",
            {"activity": activity["public_id"], "participants": participants},
            "POST /api/participations/bulk/",
        )
        if answer is not None:
            acknowledged["participations"].append([activity["public_id"], len(answer)])

    @task(2)
    def dashboard(self) -> None:
        self.page("/", "GET / (dashboard)")

    @task(2)
    def people(self) -> None:
        self.page("/records/people/", "GET /records/people/")

    @task(2)
    def activities(self) -> None:
        self.page("/records/activities/", "GET /records/activities/")


class CaseWork(SahayUser):
    """Case workers (the demo's own, with their caseloads) and case supervisor clones: cases, notices."""

    kind = "casework"

    @task(2)
    def case_list(self) -> None:
        self.page("/cases/", "GET /cases/")

    @task(4)
    def case(self) -> None:
        self.page(f"/cases/{random.choice(self.seat['cases'])}/", "GET /cases/[id]/")

    @task(1)
    def notices(self) -> None:
        self.page("/cases/notices/", "GET /cases/notices/")


class Donor(SahayUser):
    """Donor clones: the published dashboard, approved reports (mostly HTML, now and then a PDF), figures."""

    kind = "donor"

    @task(6)
    def dashboard(self) -> None:
        self.page("/", "GET / (dashboard)")

    @task(3)
    def reports(self) -> None:
        self.page("/reports/", "GET /reports/")

    @task(2)
    def report_html(self) -> None:
        report = random.choice(self.seat["reports"])
        self.page(f"/reports/{report}/download/html/", "GET /reports/[id]/download/html/")

    @task(1)
    def report_pdf(self) -> None:
        report = random.choice(self.seat["reports"])
        self.page(f"/reports/{report}/download/pdf/", "GET /reports/[id]/download/pdf/")

    @task(3)
    def api_figures(self) -> None:
        self.api_get(f"/api/figures/?period={random.choice(PERIODS)}", "GET /api/figures/")


def hand_out_seats() -> None:
    """As many virtual users of each kind as the seats file holds seats of that kind, each with its own."""
    for kind in (ProgrammeStaff, PartnerRecorder, CaseWork, Donor):
        kind_seats = SEATS.get("seats", {}).get(kind.kind, [])
        kind.fixed_count = len(kind_seats)
        kind.seats = iter(kind_seats)


hand_out_seats()


def write_acknowledged(environment: Environment, **kwargs: Any) -> None:
    if ACKS_PATH:
        Path(ACKS_PATH).write_text(json.dumps({**acknowledged, "unanswered": unanswered}))


# locust's hooks are untyped.
test_stop: Any = events.test_stop
test_stop.add_listener(write_acknowledged)
