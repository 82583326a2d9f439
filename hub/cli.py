"""`kezek-hub`: run the hub, migrate, create the first administrator, load a center."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import zoneinfo
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hub.cli_nodes import register as register_nodes
from hub.domain.errors import DomainError
from hub.domain.roles import Role
from hub.domain.text import Language
from hub.settings import HubSettings


def _settings(args: argparse.Namespace) -> HubSettings:
    overrides = {}
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    if args.database_url:
        overrides["database_url"] = args.database_url
    return HubSettings(**overrides)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from hub.api.app import create_app

    settings = _settings(args)
    app = create_app(settings)
    host = args.host or settings.host
    port = args.port or settings.port
    print(f"Kezek hub: console on http://{host}:{port}/ (API docs at /api/docs)", flush=True)
    # Open board streams must not hold a stopping hub for long.
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False,
                timeout_graceful_shutdown=5, **proxy_options(settings))
    return 0


def proxy_options(settings: HubSettings) -> dict[str, Any]:
    """uvicorn's handling of X-Forwarded-For, said explicitly: off unless the settings
    name trusted proxies. uvicorn's default believes the header from 127.0.0.1, so a
    client on the hub's own machine (or anything relayed through it) chose its address
    at will and sidestepped the login limiter (issue 17)."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(settings.trusted_proxies)}


def cmd_migrate(args: argparse.Namespace) -> int:
    from hub.storage.db import make_engine
    from hub.storage.migrate import current_revision, upgrade

    settings = _settings(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    print(f"database at revision {current_revision(engine)}")
    engine.dispose()
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    from hub.wiring import build_hub

    password = args.password or os.environ.get("KEZEK_ADMIN_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            print("give --password or KEZEK_ADMIN_PASSWORD when not at a terminal",
                  file=sys.stderr)
            return 2
        password = getpass.getpass("Password for the administrator: ")
    hub = build_hub(_settings(args))
    try:
        if args.if_none and any(u.role is Role.ADMINISTRATOR for u in hub.users.list_users()):
            print("an administrator already exists; nothing done")
            return 0
        user = hub.users.create_user(username=args.username, full_name=args.full_name,
                                     role=Role.ADMINISTRATOR, password=password,
                                     language=Language(args.language), actor="cli")
        print(f"administrator {user.username!r} created")
        return 0
    finally:
        hub.close()


def cmd_new_password(args: argparse.Namespace) -> int:
    """Print a random password that the password rule accepts for this user (the first
    run's administrator password, scripts/center)."""
    from hub.domain.passwords import new_password

    print(new_password(args.username))
    return 0


def cmd_load_center(args: argparse.Namespace) -> int:
    from hub.center_schema import read_center_file
    from hub.wiring import build_hub

    document = read_center_file(Path(args.file))
    hub = build_hub(_settings(args), load_default_center=False)
    try:
        snapshot = hub.centers.replace(document, actor="cli", action="load_center")
        config = snapshot.config
        print(f"loaded {config.name.ru}: {len(config.zones)} zones, {len(config.desks)} desks, "
              f"{len(config.purposes)} purposes, {len(config.out_of_turn)} out-of-turn categories")
        return 0
    finally:
        hub.close()


def cmd_create_token(args: argparse.Namespace) -> int:
    from hub.wiring import build_hub

    hub = build_hub(_settings(args))
    try:
        print(hub.users.create_token(name=args.name, role=Role(args.role), actor="cli"))
        return 0
    finally:
        hub.close()


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="kezek-hub", description=__doc__)
    root.add_argument("--data-dir", type=Path, help="data folder (KEZEK_HUB_DATA_DIR)")
    root.add_argument("--database-url", help="database URL (KEZEK_HUB_DATABASE_URL)")
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the hub and its console")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=cmd_serve)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        run=cmd_migrate)

    admin = commands.add_parser("create-admin", help="create an administrator")
    admin.add_argument("--username", default="admin")
    admin.add_argument("--full-name", default="Әкімші / Администратор")
    admin.add_argument("--password", help="or KEZEK_ADMIN_PASSWORD, or asked at the terminal")
    admin.add_argument("--language", choices=[lang.value for lang in Language], default="kk")
    admin.add_argument("--if-none", action="store_true",
                       help="do nothing when an administrator already exists")
    admin.set_defaults(run=cmd_create_admin)

    generate = commands.add_parser(
        "new-password", help="print a random password the password rule accepts")
    generate.add_argument("--username", default="admin")
    generate.set_defaults(run=cmd_new_password)

    load = commands.add_parser("load-center", help="load a center configuration (TOML)")
    load.add_argument("file")
    load.set_defaults(run=cmd_load_center)

    token = commands.add_parser("create-token", help="create a service token")
    token.add_argument("name")
    token.add_argument("--role", choices=[r.value for r in Role], default=Role.RECEPTION.value)
    token.set_defaults(run=cmd_create_token)
    register_nodes(commands, _settings)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Use the tzdata package, not the OS database: an old Raspberry Pi image may
    # still put Kazakhstan at UTC+6 (the country moved to UTC+5 in 2024).
    zoneinfo.reset_tzpath(to=())
    args = parser().parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except ValidationError as exc:
        print(f"invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        where = f" ({exc.field})" if exc.field else ""
        print(f"refused{where}: {exc.detail}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
