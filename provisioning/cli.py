"""`kezek-provision`: the installer's command line.

    kezek-provision check INVENTORY                 validate, print the nodes
    kezek-provision generate INVENTORY --out DIR    CA, broker, hub and node bundles
    kezek-provision revoke NODE --password-file F [--pid-file P]
    kezek-provision voices NAME... --dest DIR       download and verify Piper voices

Exit status 0 on success, 2 when the installer must fix something (the message says
what: the node, the field, the file)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from provisioning.broker_control import cut_off
from provisioning.errors import ProvisioningError
from provisioning.voices import PIPER_VOICES_URL, fetch_voice


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kezek-provision",
                                     description="Provision the nodes of a Kezek center.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate an inventory")
    check.add_argument("inventory", type=Path)
    generate = commands.add_parser("generate", help="generate the whole center")
    generate.add_argument("inventory", type=Path)
    generate.add_argument("--out", type=Path, required=True, help="output folder")
    generate.add_argument("--wheel", type=Path, help="the Kezek wheel to put on every card")
    revoke = commands.add_parser("revoke", help="cut a node off at the broker")
    revoke.add_argument("node")
    revoke.add_argument("--password-file", type=Path, required=True)
    revoke.add_argument("--pid-file", type=Path, help="the broker's pid file (reload)")
    voices = commands.add_parser("voices", help="download and verify Piper voices")
    voices.add_argument("names", nargs="+")
    voices.add_argument("--dest", type=Path, required=True)
    voices.add_argument("--base-url", default=PIPER_VOICES_URL)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # check and generate run on the installer's machine with the hub's extras; revoke
    # and voices also run on a node, which has only the node's and provisioning's.
    try:
        if args.command in ("check", "generate"):
            from firmware.ticket_terminal.settings import TerminalSettings
            from provisioning.center import generate_center
            from provisioning.inventory import load_inventory
        if args.command == "check":
            inventory = load_inventory(args.inventory)
            for node in inventory.nodes:
                zones = (node.settings.lease_zones()
                         if isinstance(node.settings, TerminalSettings) else node.settings.zones)
                place = node.settings.desk or ",".join(zones) or "-"
                print(f"{node.node_id}\t{node.role.value}\t{place}\t{node.hostname}")
            print(f"{len(inventory.nodes)} nodes, center {inventory.center.id}: valid")
        elif args.command == "generate":
            inventory = load_inventory(args.inventory)
            generated = generate_center(inventory, args.out, args.wheel)
            print(f"center {inventory.center.id}: {len(generated.node_passwords)} nodes "
                  f"written to {generated.root}")
        elif args.command == "revoke":
            removed = cut_off(args.password_file, args.node, args.pid_file)
            print(f"node {args.node}: " + ("credentials removed" if removed
                                           else "had no credentials"))
        elif args.command == "voices":
            for name in args.names:
                print(fetch_voice(name, args.dest, base_url=args.base_url))
    except ProvisioningError as error:
        print(f"kezek-provision: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
