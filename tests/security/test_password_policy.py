"""One password rule for every path that sets a password (issue 17: `aaaaaaaaaa`, the
user's own name and twelve spaces were accepted; length was the only check)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.cli import main
from hub.domain.errors import ValidationFailed
from hub.domain.passwords import check_password, common_passwords, new_password
from hub.domain.roles import Role
from hub.settings import HubSettings
from hub.wiring import Hub

GOOD = "Tulpar-qyzyl-2026"


@pytest.mark.parametrize(("password", "ru"), [
    (" " * 12, "только из пробелов"),
    ("\t \n" * 4, "только из пробелов"),
    ("short-1", "не менее 10 символов"),
    ("aaaaaaaaaa", "не менее 5 разных символов"),
    ("1212121212", "не менее 5 разных символов"),
    ("abcabcabcabc", "не менее 5 разных символов"),
    ("aigerim.s2026", "имя пользователя"),
    ("AIGERIM.Sultan", "имя пользователя"),
    ("qwertyuiop", "самых распространённых"),
    ("Password123", "самых распространённых"),
    ("1234567890", "самых распространённых"),
    ("abcdefghij", "самых распространённых"),
])
def test_weak_passwords_are_refused_in_both_languages(password: str, ru: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_password(password, username="aigerim.s")
    error = refused.value
    assert error.field == "password" and error.status == 422
    assert ru in error.text.ru
    assert error.text.kk and error.text.kk != error.text.ru


@pytest.mark.parametrize("password", [GOOD, "correct horse battery", "long-enough-pw",
                                      "Ақ жайық 2026 көктем", "Borodulikha-kezek"])
def test_reasonable_passwords_pass(password: str) -> None:
    check_password(password, username="aigerim.s")


def test_a_short_name_inside_a_password_is_chance_not_a_hint() -> None:
    check_password("ok-this-is-fine", username="ok")


def test_the_list_is_the_real_one() -> None:
    passwords = common_passwords()
    assert len(passwords) > 19_000
    assert {"password", "123456", "qwerty", "iloveyou"} <= passwords


def test_generated_passwords_pass_the_rule() -> None:
    made = {new_password("admin") for _ in range(200)}
    assert len(made) == 200
    for password in made:
        check_password(password, username="admin")


# Every path that sets a password ---------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> HubSettings:
    return HubSettings(data_dir=tmp_path / "data", mqtt_enabled=False)


@pytest.fixture
def client(hub: Hub, admin_token: str) -> Iterator[TestClient]:
    with TestClient(create_app(hub.settings, hub),
                    headers={"Authorization": f"Bearer {admin_token}"}) as test_client:
        yield test_client


def test_the_service_refuses_a_weak_password_and_changes_nothing(hub: Hub) -> None:
    with pytest.raises(ValidationFailed, match="user name"):
        hub.users.create_user(username="aigerim", full_name="Айгерім", role=Role.OPERATOR,
                              password="aigerim2026", actor="test")
    assert hub.users.count() == 0
    hub.users.create_user(username="aigerim", full_name="Айгерім", role=Role.OPERATOR,
                          password=GOOD, actor="test")
    with pytest.raises(ValidationFailed, match="different characters"):
        hub.users.update_user("aigerim", password="zzzzzzzzzzzz", actor="test")
    assert hub.users.authenticate("aigerim", GOOD) is not None  # the old one still works


def test_the_api_answers_a_bilingual_problem(client: TestClient, hub: Hub) -> None:
    answer = client.post("/api/v1/users", json={
        "username": "dana", "full_name": "Дана", "role": "operator", "password": " " * 12})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["field"] == "password"
    assert "бос орындардан" in problem["text"]["kk"] and "пробелов" in problem["text"]["ru"]
    assert hub.users.count() == 0


def test_the_command_line_refuses_and_makes_a_good_first_password(
        settings: HubSettings, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KEZEK_HUB_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("KEZEK_HUB_MQTT_ENABLED", "false")
    assert main(["create-admin", "--password", "admin-admin-1"]) == 2
    assert "user name" in capsys.readouterr().err
    assert main(["new-password", "--username", "admin"]) == 0
    made = capsys.readouterr().out.strip()
    check_password(made, username="admin")
    assert main(["create-admin", "--password", made]) == 0
