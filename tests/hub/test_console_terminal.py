"""Reception issuing on a ticket terminal (000 §8) and the public page of a ticket, on
SQLite and PostgreSQL, through the web app. The terminal's link is the sender the
MQTT bridge attaches; here it keeps the print jobs (the real one is exercised over
Mosquitto in tests/mqtt/test_terminal_bridge.py)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from contract.mqtt import Driver, DriverState, NodeRole, NodeStatus, Presence, PrintJob
from hub.api.app import create_app
from hub.domain.roles import Role
from hub.services.clock import ManualClock
from hub.services.nodes import Approval
from hub.storage.models import AuditRow
from hub.wiring import Hub
from tests.hub.test_console_check_in import CSRF, signed_in


def online_terminal(hub: Hub, node_id: str = "terminal-1", **drivers: Driver) -> None:
    hub.nodes.record_status(NodeStatus(node=node_id, state=Presence.ONLINE,
                                       role=NodeRole.TICKET_TERMINAL, software="test",
                                       drivers=drivers))


def token_of(page_text: str) -> str:
    found = CSRF.search(page_text)
    assert found is not None
    return found.group(1)


def test_reception_issues_on_a_terminal_and_reprints(hub: Hub) -> None:
    jobs: list[tuple[str, PrintJob]] = []
    hub.printing.attach(lambda node, job: jobs.append((node, job)))
    online_terminal(hub)
    online_terminal(hub, "terminal-2", printer=Driver(state=DriverState.FAULT,
                                                      detail="paper_out"))
    worker = signed_in(hub, "reception.worker", Role.RECEPTION)
    page = worker.get("/console/issue")
    assert page.status_code == 200
    assert 'href="/console/issue"' in page.text  # in the navigation
    assert 'id="printer-alerts"' in page.text and "қағаз таусылды" in page.text
    issued = worker.post("/console/issue", data={
        "csrf_token": token_of(page.text), "node": "terminal-1", "language": "ru",
        "purpose": "complaint", "out_of_turn": "pregnant", "needs_escort": "on"})
    assert issued.status_code == 200  # followed to the page again
    assert "100 талоны берілді" in issued.text
    [(node, job)] = jobs
    assert node == "terminal-1" and not job.reprint
    ticket = job.ticket
    assert (ticket.number, ticket.language, ticket.purpose, ticket.out_of_turn,
            ticket.needs_escort) == (100, "ru", "complaint", "pregnant", True)
    assert ticket.status_url == hub.links.url(ticket.ticket_id)
    assert 'data-unprinted="100"' in issued.text  # sent, not yet confirmed

    again = worker.post("/console/issue/reprint", data={
        "csrf_token": token_of(issued.text), "ticket_id": str(ticket.ticket_id),
        "node": "terminal-2"})
    assert "100 талоны terminal-2 терминалында қайта басылуда" in again.text
    assert jobs[-1][0] == "terminal-2" and jobs[-1][1].reprint
    with hub.db.read() as session:
        reprint = session.scalars(select(AuditRow).where(AuditRow.action == "reprint")).one()
    assert reprint.actor.endswith("reception.worker")
    # Elsewhere in the console, a banner names the terminal whose printer is in fault.
    other = worker.get("/console/check-in")
    assert 'id="printer-banner"' in other.text and "terminal-2" in other.text
    assert "terminal-1" not in other.text.split('id="printer-banner"')[1].split("</p>")[0]
    online_terminal(hub, "terminal-2", printer=Driver(state=DriverState.OK))
    assert 'id="printer-banner"' not in worker.get("/console/check-in").text


def test_issuing_is_refused_clearly(hub: Hub, clock: ManualClock) -> None:
    worker = signed_in(hub, "reception.worker", Role.RECEPTION)
    page = worker.get("/console/issue")
    assert 'id="printing-unavailable"' in page.text  # no bridge: nothing to print on
    refused = worker.post("/console/issue", data={
        "csrf_token": token_of(page.text), "node": "terminal-1", "language": "kk",
        "purpose": "complaint"})
    assert "Орталық сервер терминалдарға қосылмаған" in refused.text
    hub.printing.attach(lambda node, job: None)
    online_terminal(hub, "terminal-9")
    hub.nodes.record_status(NodeStatus(node="terminal-9", state=Presence.OFFLINE,
                                       role=NodeRole.TICKET_TERMINAL, software="test"))
    offline = worker.post("/console/issue", data={
        "csrf_token": token_of(refused.text), "node": "terminal-9", "language": "kk",
        "purpose": "complaint"})
    assert "Терминал желіде жоқ" in offline.text
    online_terminal(hub)
    clock.advance(hours=10)  # 20:00: closed
    closed = worker.post("/console/issue", data={
        "csrf_token": token_of(offline.text), "node": "terminal-1", "language": "kk",
        "purpose": "complaint"})
    assert "Орталық қазір жабық" in closed.text
    forged = worker.post("/console/issue", data={"csrf_token": "nope", "node": "terminal-1",
                                                 "language": "kk", "purpose": "complaint"})
    assert forged.status_code == 403
    official = signed_in(hub, "akim.user", Role.OFFICIAL)
    assert official.get("/console/issue").status_code == 403


def test_the_public_page_of_a_ticket_shows_numbers_only(hub: Hub, clock: ManualClock,
                                                        anonymous: TestClient) -> None:
    first = hub.queue.issue(language="kk", purpose="appeal_paper", actor="test")
    second = hub.queue.issue(language="ru", purpose="appeal_paper", actor="test")
    url = hub.links.url(second.ticket.id)
    assert url.startswith("http://127.0.0.1:8000/t/")
    page = anonymous.get(hub.links.path(second.ticket.id))
    assert page.status_code == 200
    assert 'http-equiv="refresh"' in page.text
    assert re.search(r'id="ticket-number">101<', page.text)
    assert "кезекте" in page.text and "в очереди" in page.text
    assert "1 адам" in page.text and "1 чел." in page.text
    # Another ticket's id with this token, a made-up token: nothing.
    forged = f"/t/{first.ticket.id}-{hub.links.token(second.ticket.id)}"
    assert anonymous.get(forged).status_code == 404
    assert anonymous.get(f"/t/{second.ticket.id}-AAAAAAAAAAAAAAAA").status_code == 404
    assert anonymous.get("/t/garbage").status_code == 404
    # The API gives the same address with the ticket.
    token = hub.users.create_token(name="kiosk", role=Role.ADMINISTRATOR, actor="test")
    with TestClient(create_app(hub.settings, hub),
                    headers={"Authorization": f"Bearer {token}"}) as api:
        made = api.post("/api/v1/tickets", json={"language": "kk", "purpose": "complaint"})
    assert made.json()["status_url"] == hub.links.url(made.json()["ticket"]["id"])
    hub.queue.call_next("window-1", actor="test")
    called = anonymous.get(hub.links.path(first.ticket.id))
    assert "шақырылды" in called.text and "вызван" in called.text
    clock.advance(days=1)
    stale = anonymous.get(hub.links.path(first.ticket.id))
    assert "23.11.2026" in stale.text


def test_a_revoked_terminal_is_not_offered_and_prints_nothing(hub: Hub) -> None:
    jobs: list[tuple[str, PrintJob]] = []
    hub.printing.attach(lambda node, job: jobs.append((node, job)))
    online_terminal(hub, "terminal-1")
    online_terminal(hub, "terminal-7")
    hub.nodes.decide("terminal-7", Approval.REVOKED, actor="test")
    assert [node.node_id for node in hub.printing.terminals()] == ["terminal-1"]
    worker = signed_in(hub, "reception.worker", Role.RECEPTION)
    page = worker.get("/console/issue")
    refused = worker.post("/console/issue", data={
        "csrf_token": token_of(page.text), "node": "terminal-7", "language": "kk",
        "purpose": "complaint"})
    assert "Терминалды әкімші растамаған" in refused.text
    assert jobs == []


def test_the_page_of_an_old_ticket_survives_its_zone_being_removed(
        hub: Hub, clock: ManualClock, anonymous: TestClient) -> None:
    made = hub.queue.issue(language="kk", zone="self_service", actor="test").ticket
    clock.advance(days=1)

    def without_self_service(doc: dict[str, Any]) -> None:
        doc["zones"] = [z for z in doc["zones"] if z["code"] != "self_service"]
        doc["desks"] = [d for d in doc["desks"] if "self_service" not in d["zones"]]
        doc["purposes"] = [p for p in doc["purposes"] if p["zone"] != "self_service"]

    hub.centers.edit(without_self_service, actor="test", action="edit_zones")
    page = anonymous.get(hub.links.path(made.id))
    assert page.status_code == 200
    assert re.search(rf'id="ticket-number">{made.number}<', page.text)
    assert "self_service" in page.text and "23.11.2026" in page.text
