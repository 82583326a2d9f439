"""The node-footprint benchmark's fast parts: reading /proc, the settings files it gives
the node applications (validated by the nodes' own settings classes), the center it
opens all day, the commands it starts, the notes on logs and the report's arithmetic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import time as clock_time
from pathlib import Path

import pytest

from bench.node_footprint import (
    CENTER_FILE,
    Result,
    Row,
    Sample,
    center_open_all_day,
    child_pids,
    command_line,
    console_scripts,
    cpu_ticks,
    format_report,
    idle_cpu_percent,
    log_notes,
    node_settings,
    parent_pid,
    read_sample,
    repeated_lines,
    script_command,
    start_figures,
    stat_fields,
    status_values,
)
from firmware.call_button.settings import CallButtonSettings
from firmware.common.settings import NodeSettings, load_node_settings
from firmware.display_node.settings import DisplayNodeSettings
from firmware.ticket_terminal.settings import TerminalSettings
from hub.center_schema import read_center_file

# A command name with spaces and parentheses, as a process may give itself.
STAT = ("4242 (kezek (node) x) S 17 4242 4242 0 -1 4194560 2311 0 0 0 "
        "153 47 0 0 20 0 11 0 123456 98765432 11264 18446744073709551615")
STATUS = """Name:\tpython
VmPeak:\t  300000 kB
VmHWM:\t   60416 kB
VmRSS:\t   45056 kB
Threads:\t10
"""


def test_stat_is_split_after_the_last_parenthesis_of_the_command_name() -> None:
    fields = stat_fields(STAT)
    assert fields[0] == "S"
    assert parent_pid(STAT) == 17
    assert cpu_ticks(STAT) == 153 + 47  # utime + stime


def test_status_gives_rss_peak_and_threads() -> None:
    assert status_values(STATUS) == {"VmHWM": 60416, "VmRSS": 45056, "Threads": 10}


def test_a_live_process_is_sampled_and_its_cpu_grows_with_work() -> None:
    before = read_sample(os.getpid())
    assert before is not None and before.rss_mb > 1 and before.threads >= 1
    assert before.hwm_mb >= before.rss_mb
    spent = time.process_time()
    while time.process_time() - spent < 0.1:
        pass
    after = read_sample(os.getpid())
    assert after is not None
    assert after.cpu_s - before.cpu_s >= 0.05
    assert idle_cpu_percent(before, after) > 0


def test_idle_cpu_is_a_percentage_of_one_core() -> None:
    before = Sample(at=100.0, cpu_s=1.0, rss_mb=40, hwm_mb=41, threads=8)
    after = Sample(at=160.0, cpu_s=1.3, rss_mb=40, hwm_mb=41, threads=8)
    assert idle_cpu_percent(before, after) == pytest.approx(0.5)


def test_a_child_process_is_found_with_its_command_line() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        deadline = time.monotonic() + 5
        # Listed from the fork on; its command line is the new program's after the exec.
        while child.pid not in child_pids(os.getpid()) or \
                command_line(child.pid)[1:] != ["-c", "import time; time.sleep(30)"]:
            assert time.monotonic() < deadline, "the child was not listed with its command"
            time.sleep(0.01)
    finally:
        child.kill()
        child.wait()
    assert read_sample(child.pid) is None  # gone (reaped)


def test_every_node_role_starts_by_its_console_script(tmp_path: Path) -> None:
    scripts = console_scripts()
    for name in ("kezek-call-button", "kezek-ticket-terminal", "kezek-display-node"):
        command = script_command(scripts[name], python="python3")
        module, function = scripts[name].split(":")
        assert command == ["python3", "-c", f"import sys; from {module} import {function}; "
                                            f"sys.exit({function}())"]
    assert scripts["kezek-ticket-terminal"] == "firmware.ticket_terminal.launch:main"


@pytest.mark.parametrize(("role", "cls", "voice"), [
    ("call_button", CallButtonSettings, None),
    ("ticket_terminal", TerminalSettings, None),
    ("display", DisplayNodeSettings, None),
    ("display", DisplayNodeSettings, {"kk_model": "/voices/tiny.onnx",
                                      "ru_model": "/voices/tiny.onnx", "sink": "alsa",
                                      "alsa_device": "null", "allow_slow_voice": True}),
])
def test_the_settings_files_are_valid_for_the_nodes_own_settings(
        tmp_path: Path, role: str, cls: type[NodeSettings],
        voice: dict[str, object] | None) -> None:
    file = tmp_path / "node.toml"
    file.write_text(node_settings(role, "node-1", "mqtt://127.0.0.1:1883",
                                  tmp_path / "node-1", tv_port=8123, voice=voice))
    settings = load_node_settings(cls, file)
    assert settings.node_id == "node-1"
    assert settings.data_dir == tmp_path / "node-1"
    if isinstance(settings, TerminalSettings):
        assert settings.printer.kind == "file"
        assert settings.printer.file is not None and settings.printer.file.exists()
    if isinstance(settings, DisplayNodeSettings):
        assert settings.tv is not None and settings.tv.port == 8123
        assert [board.url for board in settings.boards] == ["loop://"]
        if voice is not None:
            assert settings.voice is not None and settings.voice.alsa_device == "null"


def test_the_center_is_borodulikha_open_all_day_every_day(tmp_path: Path) -> None:
    opened = read_center_file(center_open_all_day(tmp_path / "center.toml"))
    original = read_center_file(CENTER_FILE)
    assert opened.hours.opens == clock_time(0, 0)
    assert opened.hours.closes == clock_time(23, 59)
    assert len(opened.hours.weekdays) == 7
    assert opened.zones == original.zones and opened.desks == original.desks
    assert opened.calendar == original.calendar and opened.policy == original.policy
    opened.to_domain()


def test_start_up_is_the_first_start_and_the_median_of_the_restarts() -> None:
    assert start_figures([0.8, 0.5, 0.9, 0.4]) == (0.8, 0.5)
    assert start_figures([0.8]) == (0.8, None)
    assert start_figures([]) == (None, None)


def test_doubled_log_lines_and_warnings_are_noticed() -> None:
    line = json.dumps({"level": "info", "message": "connected"})
    warning = json.dumps({"level": "warning", "message": "printer not answering"})
    assert repeated_lines([line, line, "", "", warning]) == 1
    notes = log_notes("terminal", [line, line, warning, warning, "plain text"])
    assert notes[0] == "terminal: 2 log lines identical to the line before them (of 5)"
    assert notes[1] == ("terminal: 2 warnings or errors in the whole run: "
                        "warning: printer not answering ×2")
    assert log_notes("quiet", [line]) == []


def row(name: str, rss: float, cpu: float, **extra: object) -> Row:
    values: dict[str, object] = {"name": name, "start_s": [], "rss_started_mb": rss,
                                 "rss_idle_mb": rss, "threads": 2, "idle_cpu_pct": cpu,
                                 "idle_cpu_floor_pct": 100 / 100 / 60,
                                 "idle_log_lines": 0} | extra
    return Row(**values)  # type: ignore[arg-type]


def test_the_report_gives_ratios_and_a_bound_when_the_baseline_used_no_tick() -> None:
    result = Result(
        when="2026-12-07 20:00 UTC", load="0.50 0.40 0.30", idle_seconds=60,
        voices="tiny", sink="alsa", tv_poll=4, worker_peaks_mb=[80.0, 78.0],
        warm_seconds=9.5, notes=["something odd"], rows=[
            row("python sleep (baseline)", 10.0, 0.0),
            row("bare paho client (baseline)", 20.0, 0.0, start_s=[0.1]),
            row("call button", 44.0, 0.3, start_s=[0.4, 0.3], idle_log_lines=3,
                most_logged="info: x ×3"),
            row("display (voice)", 47.0, 1.0, start_s=[0.5, 0.4], rss_warm_mb=47.5),
        ])
    report = format_report(result)
    assert "| call button | 0.40 / 0.30 | ×3.0 | 44.0 | 44.0 | ×4.4 | ×2.2 | 2 | 0.30 " \
           "| > ×18 | 3 |" in report
    assert "| python sleep (baseline) | — | — | 10.0 | 10.0 | ×1.0 | ×0.5 | 2 | < 0.017 " \
           "| — | 0 |" in report
    assert "| resident, cache warm, worker gone | 47.5 | ×4.8 |" in report
    assert "| synthesis worker, peak (VmHWM; 2 started) | 80.0 | ×8.0 |" in report
    assert "* something odd" in report
