"""What goes wrong in a real center: two processes, two people at once, a new
day, a stale cookie, and input no form would send."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hub.api.app import create_app
from hub.domain.errors import Conflict
from hub.domain.roles import Role
from hub.services import center_store
from hub.services.clock import ManualClock
from hub.storage.models import DeskShiftRow
from hub.wiring import Hub, build_hub


def test_a_second_hub_process_sees_configuration_changes(
        hub: Hub, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(center_store, "VERSION_CHECK_SECONDS", 0.0)
    other = build_hub(hub.settings, clock=clock)
    try:
        other.centers.snapshot()

        def narrow(doc: dict[str, Any]) -> None:
            next(z for z in doc["zones"] if z["code"] == "consultation")["range"] = [150, 199]

        hub.centers.edit(narrow, actor="test", action="put_zone")
        issued = other.queue.issue(language="kk", purpose="complaint", actor="test")
        assert issued.ticket.number == 150
    finally:
        other.close()


def test_concurrent_edits_are_both_kept(hub: Hub) -> None:
    def add(code: str) -> None:
        def change(doc: dict[str, Any]) -> None:
            doc["out_of_turn"].append({"code": code, "name": {"kk": code, "ru": code}})
        hub.centers.edit(change, actor="test", action="put_out_of_turn")

    threads = [threading.Thread(target=add, args=(f"extra-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    hub.centers.invalidate()
    codes = {c.code for c in hub.centers.snapshot().config.out_of_turn}
    assert {f"extra-{i}" for i in range(4)} <= codes


def test_a_stale_edit_is_refused_not_applied(hub: Hub) -> None:
    snap = hub.centers.snapshot()
    hub.centers.replace(snap.document, actor="test", expected_version=snap.version)
    with pytest.raises(Conflict) as refused:
        hub.centers.replace(snap.document, actor="test", expected_version=snap.version)
    assert refused.value.field == "version"
    assert "Обновите страницу" in refused.value.text.ru


def test_eight_operators_racing_for_one_desk_leave_one_signed_in(hub: Hub) -> None:
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def sign_in(operator: str) -> None:
        barrier.wait()
        try:
            hub.staffing.sign_in("window-1", operator)
            outcomes.append("in")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=sign_in, args=(f"op-{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with hub.db.read() as session:
        open_shifts = session.scalars(select(DeskShiftRow).where(
            DeskShiftRow.desk == "window-1", DeskShiftRow.ended_at.is_(None))).all()
    assert len(open_shifts) == 1
    assert sorted(outcomes) == ["in"] + ["refused"] * 7


def test_idempotency_keys_belong_to_their_client_and_their_request(hub: Hub) -> None:
    first = hub.queue.issue(language="kk", purpose="complaint", idempotency_key="k1",
                            actor="terminal-a")
    other_client = hub.queue.issue(language="kk", purpose="complaint", idempotency_key="k1",
                                   actor="terminal-b")
    assert other_client.ticket.id != first.ticket.id
    assert not other_client.replayed
    with pytest.raises(Conflict) as misuse:
        hub.queue.issue(language="ru", purpose="appeal_help", idempotency_key="k1",
                        actor="terminal-a")
    assert misuse.value.field == "Idempotency-Key"
    assert "language" in misuse.value.detail
    again = hub.queue.issue(language="kk", purpose="complaint", idempotency_key="k1",
                            actor="terminal-a")
    assert (again.ticket.id, again.replayed) == (first.ticket.id, True)


def test_yesterdays_tickets_and_shifts_do_not_carry_into_today(hub: Hub,
                                                               clock: ManualClock) -> None:
    left_over = hub.queue.issue(language="kk", purpose="complaint", actor="test").ticket
    hub.staffing.sign_in("window-1", "aigerim")
    clock.set(datetime(2026, 11, 24, 5, 0, tzinfo=UTC))  # Tuesday 10:00
    with pytest.raises(Conflict) as refused:
        hub.queue.call(left_over.id, "window-2", actor="test")
    assert "другой день" in refused.value.text.ru
    state = hub.queue.state()
    assert all(d.operator is None for d in state.desks)
    unstaffed = {u.desk for u in hub.staffing.unstaffed()}
    assert "window-1" in unstaffed
    assert hub.staffing.desk_of("aigerim") is None
    hub.staffing.sign_in("window-2", "aigerim")  # closes yesterday's shift, takes today's
    assert hub.staffing.desk_of("aigerim") == "window-2"


def test_input_that_used_to_crash_gets_a_clear_answer(client: TestClient) -> None:
    huge = client.post(f"/api/v1/tickets/{2**70}/start")
    assert huge.status_code == 422
    assert huge.json()["field"] == "ticket_id"
    assert client.get("/api/v1/audit", params={"before_id": 2**70}).status_code == 422
    nul_filter = client.get("/api/v1/audit", params={"entity": "ticket\x00"})
    assert nul_filter.status_code == 422  # PostgreSQL refused the NUL: a 500
    assert nul_filter.json()["field"] == "entity"
    twice = client.put("/api/v1/center/calendar",
                       json={"closed_days": ["2026-12-18", "2026-12-18"]})
    assert twice.status_code == 422
    assert "listed twice" in twice.json()["detail"]
    nul = client.put("/api/v1/center/name", json={"kk": "Орталық\x00", "ru": "Центр"})
    assert nul.status_code == 422
    assert nul.json()["field"] == "kk"
    desk = {"code": "window-4", "label": {"kk": "4-терезе", "ru": "Окно 4"},
            "zones": ["consultation", "consultation"]}
    repeated = client.put("/api/v1/center/desks/window-4", json=desk)
    assert repeated.status_code == 422
    assert repeated.json()["field"] == "desks.window-4.zones"
    long_name = client.post("/api/v1/users", json={
        "username": "dana", "full_name": "Д" * 301, "role": "operator",
        "password": "long-enough-pw"})
    assert long_name.status_code == 422
    assert long_name.json()["field"] == "full_name"
    long_token = client.post("/api/v1/tokens", json={"name": "t" * 64, "role": "reception"})
    assert long_token.status_code == 201
    token_client = {"Authorization": f"Bearer {long_token.json()['token']}"}
    issued = client.post("/api/v1/tickets", json={"language": "kk", "purpose": "complaint"},
                         headers=token_client)
    assert issued.status_code == 201, issued.text
    broken = client.post("/api/v1/tickets", content=b'{"language": ',
                         headers={"Content-Type": "application/json"})
    assert broken.json()["field"] == "body"
    wrong_method = client.delete("/api/v1/queue")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["text"]["ru"] == "Запрос не может быть выполнен"


def test_a_zone_with_visitors_waiting_cannot_be_removed(client: TestClient) -> None:
    client.post("/api/v1/tickets", json={"language": "kk", "purpose": "appeal_help"})
    doc = client.get("/api/v1/center").json()
    doc["zones"] = [z for z in doc["zones"] if z["code"] != "self_service"]
    doc["desks"] = [d for d in doc["desks"] if "self_service" not in d["zones"]]
    doc["purposes"] = [p for p in doc["purposes"] if p["zone"] != "self_service"]
    refused = client.put("/api/v1/center", json=doc)
    assert refused.status_code == 409
    assert refused.json()["field"] == "zones.code"
    assert "посетители" in refused.json()["text"]["ru"]


def test_a_desk_someone_is_signed_in_to_cannot_be_removed(client: TestClient, hub: Hub) -> None:
    """The operator's page and panel would be left serving a desk that is gone."""
    desk = hub.centers.snapshot().config.desks[-1].code
    hub.staffing.sign_in(desk, "dana")
    doc = client.get("/api/v1/center").json()
    doc["desks"] = [d for d in doc["desks"] if d["code"] != desk]
    refused = client.put("/api/v1/center", json=doc)
    assert refused.status_code == 409
    assert refused.json()["field"] == "desks.code"
    assert "dana" in refused.json()["text"]["kk"]
    assert "после выхода оператора" in refused.json()["text"]["ru"]
    assert desk in {d.code for d in hub.centers.snapshot().config.desks}
    hub.staffing.sign_out("dana")
    assert client.put("/api/v1/center", json=doc).status_code == 200
    assert desk not in {d.code for d in hub.centers.snapshot().config.desks}


def test_the_last_administrator_stays(client: TestClient, hub: Hub) -> None:
    for username in ("boss", "deputy"):
        hub.users.create_user(username=username, full_name="Басшы", role=Role.ADMINISTRATOR,
                              password="long-enough-pw", actor="test")
    assert client.patch("/api/v1/users/deputy", json={"role": "operator"}).status_code == 200
    for change in ({"active": False}, {"role": "analyst"}):
        refused = client.patch("/api/v1/users/boss", json=change)
        assert refused.status_code == 409, change
        assert refused.json()["field"] == "role"
        assert "последнего активного администратора" in refused.json()["text"]["ru"]
    assert hub.users.get("boss").active is True
    assert hub.users.get("boss").role is Role.ADMINISTRATOR


def login(client: TestClient, username: str, password: str) -> None:
    page = client.get("/console/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    done = client.post("/console/login", data={"username": username, "password": password,
                                               "csrf_token": token, "next": "/console/"},
                       follow_redirects=False)
    assert done.status_code == 303, done.text


def test_signing_out_or_a_password_change_ends_the_session(hub: Hub) -> None:
    hub.users.create_user(username="aigerim", full_name="Айгерім", role=Role.ANALYST,
                          password="long-enough-pw", actor="test")
    app = create_app(hub.settings, hub)
    with TestClient(app) as browser:
        login(browser, "aigerim", "long-enough-pw")
        saved = dict(browser.cookies)
        assert browser.get("/api/v1/queue").status_code == 200
        page = browser.get("/console/").text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        assert browser.post("/console/logout", data={"csrf_token": token},
                            follow_redirects=False).status_code == 303
    with TestClient(app, cookies=saved) as thief:
        assert thief.get("/api/v1/queue").status_code == 401
    with TestClient(app) as browser:
        login(browser, "aigerim", "long-enough-pw")
        assert browser.get("/api/v1/queue").status_code == 200
        hub.users.update_user("aigerim", actor="test", password="another-long-pw")
        assert browser.get("/api/v1/queue").status_code == 401


def test_operators_act_only_at_the_desk_they_signed_in_to(hub: Hub) -> None:
    hub.users.create_user(username="erlan", full_name="Ерлан", role=Role.OPERATOR,
                          password="long-enough-pw", actor="test")
    issued = hub.queue.issue(language="kk", purpose="complaint", actor="test").ticket
    app = create_app(hub.settings, hub)
    with TestClient(app) as browser:
        login(browser, "erlan", "long-enough-pw")
        page = browser.get("/console/").text
        csrf = {"X-CSRF-Token": page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]}
        refused = browser.post("/api/v1/desks/window-1/next", headers=csrf)
        assert refused.status_code == 403
        assert refused.json()["text"]["ru"] == "Сначала войдите на это рабочее место"
        assert browser.post("/api/v1/desks/window-1/sign-in", headers=csrf).status_code == 200
        called = browser.post("/api/v1/desks/window-1/next", headers=csrf)
        assert called.json()["number"] == issued.number
        assert browser.post("/api/v1/desks/window-2/next", headers=csrf).status_code == 403
        assert browser.post(f"/api/v1/tickets/{issued.id}/start",
                            headers=csrf).status_code == 200
        no_csrf = browser.post(f"/api/v1/tickets/{issued.id}/finish")
        assert no_csrf.status_code == 403


def test_three_desks_calling_at_once_call_each_visitor_once(hub: Hub) -> None:
    from hub.domain.errors import NothingWaiting

    issued = {hub.queue.issue(language="kk", purpose="complaint", actor="t").ticket.number
              for _ in range(30)}
    called: list[int] = []
    failures: list[Exception] = []
    barrier = threading.Barrier(3)

    def desk(code: str) -> None:
        barrier.wait()
        while True:
            try:
                ticket = hub.queue.call_next(code, actor=code)
            except NothingWaiting:
                return
            except Exception as exc:  # anything else is the defect under test
                failures.append(exc)
                return
            called.append(ticket.number)
            hub.queue.start(ticket.id, actor=code)

    threads = [threading.Thread(target=desk, args=(f"window-{i}",)) for i in (1, 2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(called) == sorted(issued)


def test_a_password_reset_during_login_opens_no_session(hub: Hub) -> None:
    hub.users.create_user(username="aigerim", full_name="Айгерім", role=Role.ANALYST,
                          password="long-enough-pw", actor="test")
    principal = hub.users.authenticate("aigerim", "long-enough-pw")
    assert principal is not None
    hub.users.update_user("aigerim", actor="admin", password="a-new-long-pw")
    assert hub.users.open_session(principal, 1) is None
    fresh = hub.users.authenticate("aigerim", "a-new-long-pw")
    assert fresh is not None
    sid = hub.users.open_session(fresh, 1)
    assert sid is not None
    assert hub.users.session_principal(sid) is not None


def test_an_operator_cannot_touch_a_visitor_at_another_desk(hub: Hub) -> None:
    hub.users.create_user(username="erlan", full_name="Ерлан", role=Role.OPERATOR,
                          password="long-enough-pw", actor="test")
    hub.staffing.sign_in("window-1", "erlan")
    hub.queue.issue(language="kk", purpose="complaint", actor="test")
    elsewhere = hub.queue.call_next("window-2", actor="admin")
    app = create_app(hub.settings, hub)
    with TestClient(app) as browser:
        login(browser, "erlan", "long-enough-pw")
        page = browser.get("/console/").text
        csrf = {"X-CSRF-Token": page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]}
        for action in ("recall", "start", "no-show"):
            refused = browser.post(f"/api/v1/tickets/{elsewhere.id}/{action}", headers=csrf)
            assert refused.status_code == 403, action
            assert refused.json()["field"] == "desk"
    assert hub.queue.get(elsewhere.id).state == "called"


def test_a_visitor_left_at_a_desk_yesterday_is_closed_on_the_first_call_today(
        hub: Hub, clock: ManualClock) -> None:
    hub.queue.issue(language="kk", purpose="complaint", actor="test")
    forgotten = hub.queue.call_next("window-1", actor="test")
    clock.set(datetime(2026, 11, 24, 5, 0, tzinfo=UTC))  # Tuesday 10:00
    today = hub.queue.issue(language="kk", purpose="complaint", actor="test").ticket
    called = hub.queue.call_next("window-1", actor="test")
    assert called.id == today.id
    assert hub.queue.get(forgotten.id).state == "no_show"
    with hub.db.read() as session:
        from hub.services import audit
        trail = audit.recent(session, entity="ticket", entity_id=str(forgotten.id))
    # The day close (hub.services.day_close) closed Monday at Tuesday's first action,
    # the issue, before the call could find the desk busy.
    assert (trail[0].action, trail[0].actor) == ("close_day", "system")
    assert trail[0].before is not None and trail[0].before["state"] == "called"
    assert hub.queue.get(forgotten.id).finished_at == datetime(2026, 11, 23, 13, 30,
                                                                tzinfo=UTC)
