"""Which settings class and which program each node role has: the node applications'
own settings classes, so the file provisioning writes for a node is exactly what its
application loads, and `doctor` reads it the same way.

What provisioning needs beyond the settings lives here too: the Piper voices a display
node must have downloaded before it starts."""

from __future__ import annotations

from pathlib import Path

from contract.mqtt import NodeRole
from firmware.call_button.settings import CallButtonSettings
from firmware.common.settings import NodeSettings
from firmware.display_node.settings import DisplayNodeSettings, manifest_voices
from firmware.ticket_terminal.settings import TerminalSettings

ROLE_SETTINGS: dict[NodeRole, type[NodeSettings]] = {
    NodeRole.TICKET_TERMINAL: TerminalSettings,
    NodeRole.DISPLAY: DisplayNodeSettings,
    NodeRole.CALL_BUTTON: CallButtonSettings,
}

# The program each role runs: the entry points declared in pyproject.toml.
ROLE_PROGRAM: dict[NodeRole, str] = {
    NodeRole.TICKET_TERMINAL: "kezek-ticket-terminal",
    NodeRole.DISPLAY: "kezek-display-node",
    NodeRole.CALL_BUTTON: "kezek-call-button",
}


def voice_downloads(settings: NodeSettings) -> dict[Path, list[str]]:
    """Directory -> the manifest voices to download into it, for a display that speaks;
    empty for every other node. The model files are `<directory>/<voice>.onnx`."""
    if not isinstance(settings, DisplayNodeSettings) or settings.voice is None or \
            not settings.voice.enabled:
        return {}
    wanted: dict[Path, list[str]] = {}
    for model in (settings.voice.kk_model, settings.voice.ru_model):
        if model is not None:
            names = wanted.setdefault(model.parent, [])
            if model.name.removesuffix(".onnx") not in names:
                names.append(model.name.removesuffix(".onnx"))
    return wanted


def unknown_voices(settings: NodeSettings) -> list[str]:
    """Models a display would need that provisioning cannot download (not in the
    manifest): a node generated with them would start without its voice."""
    known = manifest_voices()
    return [f"{directory / name}.onnx"
            for directory, names in voice_downloads(settings).items()
            for name in names if name not in known]
