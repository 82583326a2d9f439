"""What a node pays at start: the call-button and terminal applications load no voice
machinery (numpy, onnxruntime, piper), and the terminal keeps python-escpos's parsed
capabilities in its state directory instead of parsing YAML into a new temporary folder
at every start."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from firmware.ticket_terminal.launch import ESCPOS_CACHE_ENV, prepare_escpos_cache
from provisioning.doctor.service_user import run_as, user_named

ROOT = Path(__file__).resolve().parents[2]
VOICE_MODULES = ("numpy", "onnxruntime", "piper")

BUILD_APPS = textwrap.dedent("""
    import json, sys, tempfile
    from pathlib import Path
    from gpiozero.pins.mock import MockFactory
    from firmware.call_button.app import CallButtonApp
    from firmware.call_button.settings import CallButtonSettings
    from firmware.ticket_terminal.launch import prepare_escpos_cache
    data = Path(tempfile.mkdtemp())
    prepare_escpos_cache(data)
    from firmware.ticket_terminal.app import TicketTerminalApp
    from firmware.ticket_terminal.settings import TerminalSettings
    common = {"center": "c", "broker_url": "mqtt://127.0.0.1:1", "data_dir": str(data)}
    button = CallButtonApp(CallButtonSettings(
        node_id="desk-1", desk="window-1", buttons={"next": 17},
        gpio={"pin_factory": "mock"}, **common), factory=MockFactory(), environ={})
    terminal = TicketTerminalApp(TerminalSettings(
        node_id="terminal-1", buttons={"kazakh": 5, "russian": 6, "purposes": [
            {"code": "appeal_paper", "pin": 13}]}, **common), pin_factory=MockFactory())
    terminal.stop()
    button.stop()
    print(json.dumps({"loaded": sorted({name.split(".")[0] for name in sys.modules}),
                      "cache": sorted(p.name for p in (data / "escpos").iterdir())}))
""")


def test_button_and_terminal_load_no_voice_machinery(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", BUILD_APPS], capture_output=True,
                            text=True, timeout=120, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert not set(VOICE_MODULES) & set(found["loaded"])
    assert "escpos" in found["loaded"] and "gpiozero" in found["loaded"]
    # escpos's parsed capabilities went to the node's state directory, not to /tmp.
    assert found["cache"] == [f"{sys.version.split()[0]}.capabilities.pickle"]


def test_the_cache_goes_where_the_unit_says_else_into_the_state_directory(
        tmp_path: Path) -> None:
    environ: dict[str, str] = {}
    assert prepare_escpos_cache(tmp_path / "node", environ) == tmp_path / "node" / "escpos"
    assert environ[ESCPOS_CACHE_ENV] == str(tmp_path / "node" / "escpos")
    environ = {ESCPOS_CACHE_ENV: str(tmp_path / "from-the-unit")}
    assert prepare_escpos_cache(tmp_path / "node", environ) == tmp_path / "from-the-unit"
    assert (tmp_path / "from-the-unit").is_dir()


def test_no_usable_folder_leaves_escpos_its_temporary_one(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    environ = {ESCPOS_CACHE_ENV: str(blocker / "escpos")}
    assert prepare_escpos_cache(tmp_path, environ) is None
    assert ESCPOS_CACHE_ENV not in environ


def test_a_cache_the_node_cannot_rewrite_is_removed() -> None:
    """A doctor run as root leaves a pickle the service user cannot refresh once stale:
    escpos would then fail at import. The node (here `nobody`, in a forked child when
    the test runs as root) removes it first."""
    folder = Path(tempfile.mkdtemp(prefix="kezek-escpos-"))
    try:
        stale = folder / "escpos" / "3.11.2.capabilities.pickle"
        stale.parent.mkdir()
        stale.write_bytes(b"")
        stale.chmod(0o444)
        nobody = user_named("nobody")
        assert nobody is not None
        if os.geteuid() == 0:
            os.chown(folder, nobody.uid, nobody.gid)
            os.chown(stale.parent, nobody.uid, nobody.gid)  # the pickle stays root's
        assert run_as(nobody, lambda: prepare_escpos_cache(folder, {}), timeout=30) == \
            stale.parent
        assert not stale.exists()
    finally:
        shutil.rmtree(folder)
