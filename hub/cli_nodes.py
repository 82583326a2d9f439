"""`kezek-hub nodes import <inventory.toml>`: provisioning's inventory as the hub's
record of every node (role, desk, zones; hub.domain.node_identity). Registered by
hub/cli.py; kept apart so the node records have one module of their own."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.settings import HubSettings

SettingsOf = Callable[[argparse.Namespace], HubSettings]


def cmd_import(args: argparse.Namespace, settings_of: SettingsOf) -> int:
    from hub.services.node_records import import_inventory
    from hub.wiring import build_hub
    from provisioning.errors import InventoryError
    from provisioning.inventory import load_inventory

    try:
        inventory = load_inventory(Path(args.inventory))
    except InventoryError as error:
        print(f"inventory refused: {error}", file=sys.stderr)
        return 2
    hub = build_hub(settings_of(args))
    try:
        done = import_inventory(hub.nodes, hub.centers.snapshot().config, inventory,
                                actor="cli")
    finally:
        hub.close()
    for item in done:
        what = "new" if item.created else "changed" if item.changed else "unchanged"
        print(f"{item.node_id}: {what}")
    print(f"imported {len(done)} nodes: {sum(i.created for i in done)} new, "
          f"{sum(i.changed and not i.created for i in done)} changed")
    return 0


def register(commands: Any, settings_of: SettingsOf) -> None:
    """Add `nodes import` to the hub's command line."""
    nodes = commands.add_parser("nodes", help="the hub's record of the center's nodes")
    actions = nodes.add_subparsers(dest="nodes_command", required=True)
    importing = actions.add_parser(
        "import", help="set every node's role, desk and zones from a provisioning inventory")
    importing.add_argument("inventory", help="the inventory TOML provisioning generated from")
    importing.set_defaults(run=lambda args: cmd_import(args, settings_of))
