"""A small synchronous client of the hub's REST API for the day run: the staff's side
of the day (operators at the console desk, reception booking and checking in, the
administrator making users) as people with accounts do it.

People sign in as the console does (`/console/login`: a session cookie, and the
session's anti-forgery token sent as `X-CSRF-Token` with every change, as
hub/api/deps.py asks of cookie-authenticated calls); a service token is sent as a
bearer token instead. Desk breaks have no REST route: they are the console desk's
`break` / `resume` actions, posted as its form does.

The hub is killed and restarted during a day run. A request that never reached it
(connection refused) is sent again. One that may have reached it (the connection broke
before the answer) is sent again only when it is idempotent, or after `settled` looked
at the hub's state and found it had not taken effect: a desk action is never done twice.
Every request carries an `X-Request-Id`, and a ticket issue the `Idempotency-Key` the
API honours."""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import httpx

log = logging.getLogger("kezek.simulation.api")

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
MAYBE_SENT = (httpx.ReadTimeout, httpx.ReadError, httpx.WriteError, httpx.WriteTimeout,
              httpx.RemoteProtocolError)
UNAVAILABLE = frozenset({502, 503, 504})
RECEPTION = "/api/v1/reception"


class HubUnavailable(RuntimeError):
    """The hub did not answer for longer than the client waits."""


class BookingRefused(RuntimeError):
    """The hub refused a step of booking a reception (`code` says why)."""

    def __init__(self, step: str, outcome: Outcome) -> None:
        super().__init__(f"{step}: {outcome.status} {outcome.problem}")
        self.code = outcome.problem or f"http_{outcome.status}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """The hub's answer to one action: ok, or the problem code it refused with."""

    request_id: str
    status: int
    body: Any
    answers: int = 1  # HTTP answers taken as the action's (a retry after a break counts)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def problem(self) -> str | None:
        if self.ok:
            return None
        if isinstance(self.body, dict):
            code = self.body.get("code")
            if isinstance(code, str):
                return code
        return f"http_{self.status}"


@dataclass
class HubApi:
    """One person's (or one token's) connection to the hub."""

    base_url: str
    username: str | None = None
    password: str | None = None
    token: str | None = None
    give_up_seconds: float = 180.0  # real seconds: longer than any restart of the hub
    stop: threading.Event = field(default_factory=threading.Event)
    transport: httpx.BaseTransport | None = field(default=None, repr=False)  # tests
    pause_seconds: float = 0.5  # between tries while the hub is away
    _client: httpx.Client = field(init=False, repr=False)
    _csrf: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self._client = httpx.Client(base_url=self.base_url, timeout=15, headers=headers,
                                    transport=self.transport)

    @classmethod
    def signed_in(cls, base_url: str, username: str, password: str, *,
                  stop: threading.Event | None = None) -> HubApi:
        api = cls(base_url, username=username, password=password,
                  stop=stop or threading.Event())
        api.login()
        return api

    def as_user(self, username: str, password: str) -> HubApi:
        return HubApi.signed_in(self.base_url, username, password, stop=self.stop)

    def close(self) -> None:
        self._client.close()

    # Signing in ----------------------------------------------------------------------

    def login(self) -> None:
        """Open a console session as the browser does; keep its anti-forgery token."""
        if self.username is None or self.password is None:
            return
        self._client.cookies.clear()
        page = self._send("GET", "/console/login", idempotent=True)
        done = self._send("POST", "/console/login", idempotent=True, data={
            "username": self.username, "password": self.password,
            "csrf_token": _csrf_of(page.text)})
        if done.status_code != 303:
            raise PermissionError(f"{self.username} could not sign in: {done.status_code}")
        # The token rotates at sign-in: every console page carries the new one.
        self._csrf = _csrf_of(self._send("GET", "/console", idempotent=True,
                                         follow=True).text)

    # Sending ---------------------------------------------------------------------------

    def _send(self, method: str, path: str, *, idempotent: bool,
              json: Any = None, data: dict[str, str] | None = None,
              headers: dict[str, str] | None = None, follow: bool = False,
              settled: Callable[[], Outcome | None] | None = None,
              request_id: str | None = None) -> httpx.Response:
        request_id = request_id or uuid.uuid4().hex
        sent_headers = {"X-Request-Id": request_id} | (headers or {})
        if self._csrf is not None and method not in ("GET", "HEAD"):
            sent_headers["X-CSRF-Token"] = self._csrf
        deadline = time.monotonic() + self.give_up_seconds
        signed_again = False
        while True:
            try:
                response = self._client.request(method, path, json=json, data=data,
                                                headers=sent_headers,
                                                follow_redirects=follow)
            except NOT_SENT as error:
                self._pause(deadline, path, error)
                continue
            except MAYBE_SENT as error:
                if idempotent:
                    self._pause(deadline, path, error)
                    continue
                self._pause(deadline, path, error)
                self._wait_healthy(deadline)
                if settled is not None and (found := settled()) is not None:
                    log.info("%s %s took effect before the hub went away", method, path)
                    return httpx.Response(found.status, json=found.body)
                continue
            if response.status_code in UNAVAILABLE:
                self._pause(deadline, path, RuntimeError(str(response.status_code)))
                continue
            if response.status_code == 401 and not signed_again and self.username:
                signed_again = True  # the session was lost (a database restored)
                self.login()
                if self._csrf is not None and "X-CSRF-Token" in sent_headers:
                    sent_headers["X-CSRF-Token"] = self._csrf
                continue
            return response

    def _pause(self, deadline: float, path: str, error: Exception) -> None:
        if time.monotonic() > deadline:
            raise HubUnavailable(f"no answer to {path} for {self.give_up_seconds:.0f} s: "
                                 f"{error}") from error
        log.info("hub away (%s): %s again shortly", type(error).__name__, path)
        if self.stop.wait(self.pause_seconds):
            raise HubUnavailable("stopped while the hub was away")

    def _wait_healthy(self, deadline: float) -> None:
        while True:
            try:
                if self._client.get("/api/v1/health").status_code == 200:
                    return
            except httpx.HTTPError as error:
                self._pause(deadline, "/api/v1/health", error)
                continue
            self._pause(deadline, "/api/v1/health", RuntimeError("unhealthy"))

    def _act(self, method: str, path: str, *, idempotent: bool = False, json: Any = None,
             data: dict[str, str] | None = None,
             settled: Callable[[], Outcome | None] | None = None) -> Outcome:
        request_id = uuid.uuid4().hex
        response = self._send(method, path, idempotent=idempotent, json=json, data=data,
                              settled=settled, request_id=request_id)
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = response.text
        return Outcome(request_id=request_id, status=response.status_code, body=body)

    def get(self, path: str, **params: Any) -> Any:
        response = self._send("GET", path + _query(params), idempotent=True)
        response.raise_for_status()
        return response.json()

    # People (as administrator) ---------------------------------------------------------

    def ensure_user(self, username: str, full_name: str, role: str, password: str,
                    language: str = "ru") -> None:
        """The user exists with this role and password (made, or set again)."""
        made = self._act("POST", "/api/v1/users", idempotent=True, json={
            "username": username, "full_name": full_name, "role": role,
            "password": password, "language": language})
        if made.status == 409:
            changed = self._act("PATCH", f"/api/v1/users/{username}", idempotent=True,
                                json={"role": role, "password": password, "active": True})
            if not changed.ok:
                raise RuntimeError(f"user {username}: {changed.status} {changed.body}")
        elif not made.ok:
            raise RuntimeError(f"user {username}: {made.status} {made.body}")

    # A desk (as its operator) ----------------------------------------------------------

    def desk(self, desk: str) -> dict[str, Any]:
        found: dict[str, Any] = self.get(f"/api/v1/desks/{desk}")
        return found

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        found: dict[str, Any] = self.get(f"/api/v1/tickets/{ticket_id}")
        return found

    def queue(self) -> dict[str, Any]:
        found: dict[str, Any] = self.get("/api/v1/queue")
        return found

    def sign_in(self, desk: str) -> Outcome:
        return self._act("POST", f"/api/v1/desks/{desk}/sign-in", idempotent=True)

    def sign_out(self, desk: str) -> Outcome:
        return self._act("POST", f"/api/v1/desks/{desk}/sign-out", idempotent=True)

    def call_next(self, desk: str) -> Outcome:
        before = self.desk(desk).get("current")
        before_id = before["id"] if before else None

        def settled() -> Outcome | None:
            now = self.desk(desk).get("current")
            if now is not None and now["id"] != before_id:
                return Outcome("", 200, now)
            return None
        return self._act("POST", f"/api/v1/desks/{desk}/next", settled=settled)

    def _ticket_step(self, ticket_id: int, step: str, done: Callable[[dict[str, Any]], bool],
                     json: Any = None) -> Outcome:
        def settled() -> Outcome | None:
            now = self.ticket(ticket_id)
            return Outcome("", 200, now) if done(now) else None
        return self._act("POST", f"/api/v1/tickets/{ticket_id}/{step}", json=json,
                         settled=settled)

    def start(self, ticket_id: int) -> Outcome:
        return self._ticket_step(ticket_id, "start", lambda t: t["state"] == "serving")

    def finish(self, ticket_id: int) -> Outcome:
        return self._ticket_step(ticket_id, "finish", lambda t: t["state"] == "done")

    def no_show(self, ticket_id: int) -> Outcome:
        return self._ticket_step(ticket_id, "no-show", lambda t: t["state"] == "no_show")

    def recall(self, ticket_id: int) -> Outcome:
        recalls = self.ticket(ticket_id)["recalls"]
        return self._ticket_step(ticket_id, "recall", lambda t: t["recalls"] > recalls)

    def transfer(self, ticket_id: int, *, zone: str | None = None,
                 desk: str | None = None) -> Outcome:
        transfers = self.ticket(ticket_id)["transfers"]
        return self._ticket_step(ticket_id, "transfer", lambda t: t["transfers"] > transfers,
                                 json={"zone": zone, "desk": desk})

    def console_action(self, action: str) -> Outcome:
        """A break button of the console's desk page (`break`, `resume`), posted as the
        page does. The console answers every action with a redirect to the page and
        flashes a refusal there, so the page after it says whether the action held.
        Taking or ending a break twice changes nothing: safe to send again."""
        if action not in ("break", "resume"):
            raise ValueError(f"no console break action {action!r}")
        page = self._send("GET", "/console/desk", idempotent=True, follow=True)
        self._csrf = _csrf_of(page.text)
        posted = self._act("POST", "/console/desk/action", idempotent=True,
                           data={"action": action, "csrf_token": self._csrf})
        after = self._send("GET", "/console/desk", idempotent=True, follow=True).text
        on_break = "data-break" in after
        if posted.status == 303 and on_break == (action == "break"):
            return Outcome(posted.request_id, 200, None)
        return Outcome(posted.request_id, 409, {"code": "console_refused",
                                                "status": posted.status})

    # Personal reception (as a reception worker) ----------------------------------------

    def ensure_official(self, code: str, desk: str, full_name: str) -> None:
        put = self._act("PUT", f"{RECEPTION}/officials/{code}", idempotent=True, json={
            "full_name": full_name,
            "position": {"kk": "Аудан әкімі", "ru": "Аким района"},
            "state_body": {"kk": "Бородулиха ауданы әкімінің аппараты",
                           "ru": "Аппарат акима Бородулихинского района"},
            "location": {"kk": "Бородулиха ауылы, Тәуелсіздік көшесі, 69",
                         "ru": "село Бородулиха, улица Тәуелсіздік, 69"},
            "desk": desk, "languages": ["kk", "ru"], "phone": "+7 72351 2 11 00"})
        if not put.ok:
            raise RuntimeError(f"official {code}: {put.status} {put.body}")

    def ensure_schedule(self, code: str, *, valid_from: date, weekdays: list[int],
                        hours: tuple[str, str], slot_minutes: int) -> None:
        """The official's approved schedule has these hours (added when missing: the
        hub applies the latest approved schedule, so it replaces another)."""
        have = self.get(f"{RECEPTION}/officials/{code}/schedules")["schedules"]
        latest = max(have, key=lambda s: (s["approved_on"], s["id"]), default=None)
        if latest is not None and (latest["starts"][:5], latest["ends"][:5]) == hours \
                and latest["slot_minutes"] == slot_minutes:
            return
        added = self._act("POST", f"{RECEPTION}/officials/{code}/schedules",
                          idempotent=True, json={
                              "approved_by": "Аудан әкімі", "approved_on": valid_from.isoformat(),
                              "valid_from": valid_from.isoformat(), "weekdays": weekdays,
                              "starts": hours[0], "ends": hours[1],
                              "slot_minutes": slot_minutes})
        if not added.ok:
            raise RuntimeError(f"schedule of {code}: {added.status} {added.body}")

    def book(self, *, official: str, starts_at: datetime, iin: str, full_name: str,
             phone: str, language: str, received_at: datetime) -> tuple[str, str]:
        """Register a request to be received, take it through review to approval in
        the slot: its number and booking code."""
        registered = self._act("POST", f"{RECEPTION}/requests", json={
            "channel": "phone", "received_at": received_at.isoformat(), "iin": iin,
            "full_name": full_name, "phone": phone, "language": language,
            "essence": "Жер учаскесі туралы / О земельном участке",
            "official_asked": official})
        if not registered.ok:
            raise BookingRefused("register", registered)
        number = registered.body["number"]
        steps: list[tuple[str, dict[str, Any]]] = [
            ("start-review", {}),
            ("note", {"proposal": "date", "proposed_day": starts_at.date().isoformat()}),
            ("approve", {"official": official, "starts_at": starts_at.isoformat()})]
        body: Any = None
        for step, payload in steps:
            done = self._act("POST", f"{RECEPTION}/requests/{number}/{step}",
                             idempotent=True, json=payload)
            if not done.ok:
                raise BookingRefused(step, done)
            body = done.body
        return number, body["booking"]["code"]

    def check_in(self, code: str) -> Outcome:
        """Reception checks a booked applicant in by code: the same ticket again on a
        repeat, so it is safe to send twice."""
        return self._act("POST", f"{RECEPTION}/check-in", idempotent=True,
                         json={"code": code, "source": "reception"})


def _csrf_of(page: str) -> str:
    found = CSRF_FIELD.search(page)
    if found is None:
        raise RuntimeError("no anti-forgery token on the console page")
    return found.group(1)


def _query(params: dict[str, Any]) -> str:
    given = {k: v for k, v in params.items() if v is not None}
    return "?" + str(httpx.QueryParams(given)) if given else ""
