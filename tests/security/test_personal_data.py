"""Personal data by role (issue 17, Deliver 3; 000 §2): the employee holding an
appeal reads it whole and every other appeal masked; an operator never
exports; an export needs a purpose (refused in both languages without one)
and the audit keeps it; full reads carry their basis and purpose; the masked
record still lets a worker recognise it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.domain.errors import ValidationFailed
from hub.domain.personal_data import (
    Reading,
    appeal_reading,
    booking_reading,
    export_purpose,
    mask_address,
    mask_email,
    mask_iin,
    mask_name,
    may_export,
    reads_call_list,
)
from hub.domain.roles import Role
from hub.wiring import Hub
from tests.hub.test_api_appeals import (
    API,
    APPEAL,
    IIN,
    NAME,
    PDF,
    as_role,
    assert_nothing_personal,
    audit,
    user,
)

ADDRESS = "Бородулиха, Тәуелсіздік көшесі, 12-3"


@pytest.fixture
def client(hub: Hub, admin_token: str) -> Iterator[TestClient]:
    with TestClient(create_app(hub.settings, hub),
                    headers={"Authorization": f"Bearer {admin_token}"}) as test_client:
        yield test_client


def test_the_rule_in_one_place() -> None:
    for role in Role:
        keeper = role in (Role.ADMINISTRATOR, Role.RECEPTION)
        assert appeal_reading(role, viewer="x", holder="y").full is keeper
        assert appeal_reading(role, viewer="x", holder="x").full  # the holder reads it
        assert appeal_reading(role, viewer=None, holder=None).full is keeper
        assert may_export(role) is keeper
    assert not appeal_reading(Role.OPERATOR, viewer=None, holder=None).full
    assert reads_call_list(Role.OPERATOR) and not reads_call_list(Role.ANALYST)
    assert booking_reading(Role.OFFICIAL, own_reception=True) is Reading.FULL
    assert booking_reading(Role.OFFICIAL, own_reception=False) is Reading.NONE
    assert booking_reading(Role.OPERATOR, own_reception=True) is Reading.NONE


def test_masks_let_a_worker_recognise_a_record_without_learning_whose() -> None:
    assert mask_iin("850101300024") == "••••••••0024"  # no birth date, no sex digit
    assert mask_name("Сейітқали Ерлан Бауыржанұлы") == "С. Е. Б."
    assert mask_email("erlan@mail.kz") == "e•••@mail.kz"
    assert mask_address(ADDRESS) == "•••" and mask_address("  ") == ""
    with pytest.raises(ValidationFailed) as missing:
        export_purpose("   ")
    assert missing.value.text.kk and missing.value.text.ru and missing.value.field == "purpose"
    assert export_purpose("  e-Өтініш,\n қараша ") == "e-Өтініш, қараша"
    with pytest.raises(ValidationFailed):
        export_purpose("x" * 301)


def registered(client: TestClient, **changes: Any) -> str:
    response = client.post(API, json=APPEAL | {"address": ADDRESS, "email": "erlan@mail.kz"}
                           | changes)
    assert response.status_code == 201, response.text
    number: str = response.json()["number"]
    return number


def test_an_operator_reads_whole_only_the_appeal_given_to_them(
        hub: Hub, client: TestClient) -> None:
    mine, other = registered(client), registered(client)
    client.post(f"{API}/{mine}/attachments", files={"file": ("a.pdf", PDF, "application/pdf")})
    client.post(f"{API}/{other}/attachments", files={"file": ("a.pdf", PDF, "application/pdf")})
    user(hub, "op.holder", Role.OPERATOR)
    assert client.post(f"{API}/{mine}/assign", json={"assignee": "op.holder"}).status_code == 200
    operator = _signed_in_api(hub, "op.holder")

    whole = operator.get(f"{API}/{mine}").json()
    assert whole["full"] and whole["iin"] == IIN and whole["full_name"] == NAME
    assert whole["address"] == ADDRESS
    assert operator.get(f"{API}/{mine}/attachments/1").status_code == 200

    masked = operator.get(f"{API}/{other}").json()
    assert masked["full"] is False
    assert masked["iin"] == "•" * 8 + IIN[-4:] and masked["full_name"] == "С. Е. Б."
    assert masked["address"] == "•••" and masked["email"] == "e•••@mail.kz"
    assert masked["phone"].endswith("78") and "701" not in masked["phone"]
    assert_nothing_personal(masked)
    assert ADDRESS not in json.dumps(masked, ensure_ascii=False)
    assert operator.get(f"{API}/{other}/attachments/2").status_code == 403

    listed = {a["number"]: a["applicant"] for a in operator.get(API).json()}
    assert listed == {mine: NAME, other: "С. Е. Б."}
    for kind in ("json", "csv"):
        refused = operator.get(f"{API}/export.{kind}", params={"purpose": "мен білгім келеді"})
        assert refused.status_code == 403
        assert refused.json()["text"]["kk"] and refused.json()["text"]["ru"]
    reads = [e for e in audit(client, mine) if e["action"] == "appeal_read_full"]
    assert [e["actor"] for e in reads] == ["op.holder"]
    assert reads[0]["after"]["basis"].startswith("the appeal is given")


def _signed_in_api(hub: Hub, username: str) -> TestClient:
    """The API as a console user (session cookie + CSRF header), so the
    principal is that user and holds what is given to them."""
    from tests.security.test_authorization_matrix import CSRF

    browser = TestClient(create_app(hub.settings, hub))
    login = browser.get("/console/login")
    done = browser.post("/console/login", data={
        "username": username, "password": "correct horse battery",
        "csrf_token": CSRF.search(login.text).group(1)}, follow_redirects=False)  # type: ignore[union-attr]
    assert done.status_code == 303, done.text
    browser.headers["X-CSRF-Token"] = CSRF.search(browser.get("/console/").text).group(1)  # type: ignore[union-attr]
    return browser


def test_an_export_needs_its_purpose_and_the_audit_keeps_it(
        hub: Hub, client: TestClient) -> None:
    registered(client)
    reception = as_role(hub, Role.RECEPTION, "front-office")
    for kind in ("json", "csv"):
        missing = reception.get(f"{API}/export.{kind}")
        assert missing.status_code == 422
        problem = missing.json()
        assert problem["field"] == "purpose"
        assert "мақсатын" in problem["text"]["kk"] and "цель" in problem["text"]["ru"]
    done = reception.get(f"{API}/export.csv", params={"purpose": "e-Өтініш жүйесіне"})
    assert done.status_code == 200 and IIN in done.text
    exports = [e for e in audit(client, "export") if e["action"] == "appeal_export"]
    assert [(e["actor"], e["after"]["purpose"]) for e in exports] == [
        ("token:front-office", "e-Өтініш жүйесіне")]
    refusals = [e for e in audit(client, "export") if e["action"] == "appeal_export_refused"]
    assert len(refusals) == 2 and refusals[0]["after"]["field"] == "purpose"
    admin_read = client.get(f"{API}/AP-2026-00001", params={"purpose": "шағымды тексеру"})
    assert admin_read.json()["full"]
    read = [e for e in audit(client, "AP-2026-00001") if e["action"] == "appeal_read_full"]
    assert read[-1]["after"]["purpose"] == "шағымды тексеру"
    assert "000 §5" in read[-1]["after"]["basis"]


def test_the_console_export_asks_for_the_purpose(hub: Hub) -> None:
    from tests.hub.test_console_check_in import signed_in

    worker = signed_in(hub, "front.worker", Role.RECEPTION)
    page = worker.get("/console/appeals")
    assert 'id="export-form"' in page.text and 'name="purpose"' in page.text
    without = worker.get("/console/appeals-export.csv", follow_redirects=False)
    assert without.status_code == 303
    assert "Экспорттың мақсатын жазыңыз" in worker.get("/console/appeals").text
    done = worker.get("/console/appeals-export.csv", params={"purpose": "e-Өтініш"})
    assert done.status_code == 200 and done.headers["content-type"].startswith("text/csv")
    operator = signed_in(hub, "op.worker", Role.OPERATOR)
    assert 'id="export-form"' not in operator.get("/console/appeals").text
    assert operator.get("/console/appeals-export.csv",
                        params={"purpose": "x"}).status_code == 403
