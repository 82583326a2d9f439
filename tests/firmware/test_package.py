"""The node package stays light: settings and the outbox load without paho-mqtt."""

from __future__ import annotations

import subprocess
import sys


def test_settings_and_outbox_do_not_import_paho() -> None:
    code = ("import sys, firmware.common, firmware.common.settings, firmware.common.outbox, "
            "firmware.common.logs; assert 'paho' not in sys.modules, 'paho imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
