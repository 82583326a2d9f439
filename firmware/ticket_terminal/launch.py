"""`kezek-ticket-terminal`: reads the settings, points python-escpos's capabilities cache
at the node's state directory, then runs the terminal (firmware/ticket_terminal/app.py).

python-escpos parses its 96 KB capabilities file with a pure-Python YAML loader when it
is first imported (~0.4 s of a 1 s start on a Pi) and keeps the result as a pickle in
ESCPOS_CAPABILITIES_PICKLE_DIR, or else in a new temporary folder at every start (which
the unit's PrivateTmp throws away). The variable must be set before anything imports
escpos, so this module imports nothing that does until the settings are read."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import MutableMapping
from pathlib import Path

from firmware.common.settings import NodeSettingsError, load_node_settings
from firmware.ticket_terminal.settings import TerminalSettings

ESCPOS_CACHE_ENV = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def escpos_cache_dir(data_dir: Path) -> Path:
    return data_dir / "escpos"


def prepare_escpos_cache(data_dir: Path,
                         environ: MutableMapping[str, str] = os.environ) -> Path | None:
    """Point escpos's cache at a folder this process can write: the one the environment
    names (the node's unit sets it), else `<data_dir>/escpos`. None when there is no such
    folder: escpos then falls back to a temporary one, as it always did."""
    folder = Path(environ.get(ESCPOS_CACHE_ENV) or escpos_cache_dir(data_dir))
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for cached in folder.glob("*.capabilities.pickle"):
            # Left by another user (a doctor run as root): escpos would fail to rewrite it
            # once stale, at import.
            if not os.access(cached, os.W_OK):
                cached.unlink()
        usable = os.access(folder, os.W_OK | os.X_OK)
    except OSError:
        usable = False
    if not usable:
        environ.pop(ESCPOS_CACHE_ENV, None)
        return None
    environ[ESCPOS_CACHE_ENV] = str(folder)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kezek-ticket-terminal",
                                     description="The Kezek ticket terminal node.")
    parser.add_argument("--config", type=Path, default=None,
                        help="TOML settings (default: $KEZEK_NODE_CONFIG)")
    args = parser.parse_args(argv)
    try:
        settings = load_node_settings(TerminalSettings, args.config)
    except NodeSettingsError as error:
        print(error, file=sys.stderr)
        return 2
    prepare_escpos_cache(settings.data_dir)
    from firmware.ticket_terminal.app import run  # imports escpos

    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
