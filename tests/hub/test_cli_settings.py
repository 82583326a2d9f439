"""The command line and the settings model: what an installer types and reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from hub.cli import main
from hub.domain.roles import Role
from hub.settings import DEFAULT_CENTER_FILE, Environment, HubSettings
from hub.wiring import build_hub


def test_settings_come_from_a_toml_file_and_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(f'data_dir = "{tmp_path}/from-file"\nport = 8100\n')
    monkeypatch.setenv("KEZEK_HUB_CONFIG", str(config))
    monkeypatch.setenv("KEZEK_HUB_PORT", "8200")
    settings = HubSettings()
    assert settings.data_dir == tmp_path / "from-file"
    assert settings.port == 8200  # the environment wins over the file


def test_settings_refuse_what_would_fail_later(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="secret_key must be set in production"):
        HubSettings(environment=Environment.PRODUCTION)
    with pytest.raises(ValidationError, match="database_url must be a sqlite"):
        HubSettings(database_url="mysql://root@localhost/x")
    with pytest.raises(ValidationError, match="port"):
        HubSettings(port=70000)
    config = tmp_path / "hub.toml"
    config.write_text('data_dri = "typo"\n')
    monkeypatch.setenv("KEZEK_HUB_CONFIG", str(config))
    with pytest.raises(ValidationError, match="data_dri"):
        HubSettings()


def test_a_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = HubSettings(data_dir=tmp_path)
    first = settings.session_secret()
    assert len(first) >= 32
    assert HubSettings(data_dir=tmp_path).session_secret() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    from hub.storage.migrate import MIGRATIONS, alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None and (MIGRATIONS / "versions").is_dir()
    return head


def test_cli_migrates_loads_a_center_and_creates_the_administrator(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "migrate"]) == 0
    assert f"revision {head_revision()}" in capsys.readouterr().out
    assert main([*data, "load-center", str(DEFAULT_CENTER_FILE)]) == 0
    assert "5 zones, 7 desks, 5 purposes, 9 out-of-turn" in capsys.readouterr().out
    assert main([*data, "create-admin", "--password", "a-long-password"]) == 0
    assert main([*data, "create-admin", "--password", "a-long-password", "--if-none"]) == 0
    assert "already exists" in capsys.readouterr().out
    hub = build_hub(HubSettings(data_dir=tmp_path))
    try:
        admin = hub.users.authenticate("admin", "a-long-password")
        assert admin is not None
        assert admin.role is Role.ADMINISTRATOR
    finally:
        hub.close()


def test_cli_names_the_field_of_a_bad_center_file(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "center.toml"
    text = DEFAULT_CENTER_FILE.read_text().replace("range = [500, 699]", "range = [300, 699]")
    bad.write_text(text)
    assert main(["--data-dir", str(tmp_path), "load-center", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "zones.personal.range" in err
    assert "overlap" in err
    typo = tmp_path / "typo.toml"
    typo.write_text(DEFAULT_CENTER_FILE.read_text().replace("calls_staff", "call_staff"))
    assert main(["--data-dir", str(tmp_path), "load-center", str(typo)]) == 2
    assert "call_staff" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path), "create-admin", "--password", "short"]) == 2
    assert "password" in capsys.readouterr().err
