"""The console's message catalogue: complete in both languages, and every id the
templates and the code use exists. Runs without a browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.center_schema import WEEKDAYS
from hub.console.config import SECTIONS
from hub.console.i18n import MESSAGES, translate
from hub.console.web import NAV
from hub.domain.calendar import OpeningState
from hub.domain.center import DeskKind, ZoneKind

CONSOLE = Path(__file__).resolve().parents[2] / "hub" / "console"
TEMPLATE_CALL = re.compile(r"""\b_\(\s*(["'])([^"']+)\1""")
# Ids handed to macros ("field.code" as a label) are quoted literals of a known prefix.
LITERAL = re.compile(r"""(["'])([a-z_]+(?:\.[a-z_]+)+)\1""")
KAZAKH_LETTERS = set("әғқңөұүһі")


def _template_ids() -> dict[str, set[str]]:
    prefixes = {key.split(".")[0] for key in MESSAGES}
    used: dict[str, set[str]] = {}
    for path in sorted((CONSOLE / "templates").rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        for match in TEMPLATE_CALL.finditer(source):
            if not match.group(2).endswith("."):  # a prefix completed at run time
                used.setdefault(match.group(2), set()).add(path.name)
        for match in LITERAL.finditer(source):
            if match.group(2).split(".")[0] in prefixes:
                used.setdefault(match.group(2), set()).add(path.name)
    return used


def _code_ids() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for path in sorted(CONSOLE.glob("*.py")):
        if path.name == "i18n.py":
            continue
        source = path.read_text(encoding="utf-8")
        for pattern in (r'\btext\("([a-z_.]+)"\)', r'flash_key\(request, "([a-z_.]+)"',
                        r'translate\([a-z_.]+, "([a-z_.]+)"'):
            for match in re.finditer(pattern, source):
                used.setdefault(match.group(1), set()).add(path.name)
    return used


def test_every_message_has_kazakh_and_russian() -> None:
    for key, entry in MESSAGES.items():
        assert set(entry) == {"kk", "ru"}, key
        assert entry["kk"].strip() and entry["ru"].strip(), key


def test_kazakh_texts_are_written_in_kazakh() -> None:
    # Long Kazakh sentences without any of ә ғ қ ң ө ұ ү һ і are almost surely Russian.
    for key, entry in MESSAGES.items():
        words = entry["kk"].split()
        if len(words) >= 4:
            assert KAZAKH_LETTERS & set(entry["kk"].lower()), key
        if len(words) >= 2 and KAZAKH_LETTERS & set(entry["kk"].lower()):
            assert entry["kk"] != entry["ru"], key


def test_templates_use_only_known_messages() -> None:
    used = _template_ids()
    assert {"login.title", "field.code", "field.code_hint", "board.minutes"} <= set(used)
    missing = {key: sorted(files) for key, files in used.items() if key not in MESSAGES}
    assert not missing


def test_code_uses_only_known_messages() -> None:
    used = _code_ids()
    assert {"config.saved", "login.welcome", "issue.done"} <= set(used)
    missing = {key: sorted(files) for key, files in used.items() if key not in MESSAGES}
    assert not missing


@pytest.mark.parametrize("key", [
    *(f"zone_kind.{k.value}" for k in ZoneKind),
    *(f"desk_kind.{k.value}" for k in DeskKind),
    *(f"weekday.{d}" for d in WEEKDAYS),
    *(f"board.opening.{s.value}" for s in OpeningState),
    *(f"badge.lang.{code}" for code in ("kk", "ru")),
    *(f"lang.{code}" for code in ("kk", "ru")),
    *(f"lang.name.{code}" for code in ("kk", "ru")),
    *(f"calendar.kind.{kind}" for kind in ("closed", "working")),
    *(f"calendar.{kind}" for kind in ("closed", "working")),
    *(item.key for _, item in NAV),
    *(key for _, key in SECTIONS),
])
def test_ids_built_at_run_time_exist(key: str) -> None:
    assert key in MESSAGES


def test_placeholders_match_between_languages() -> None:
    field = re.compile(r"{(\w+)}")
    for key, entry in MESSAGES.items():
        assert set(field.findall(entry["kk"])) == set(field.findall(entry["ru"])), key


def test_translate_fills_placeholders() -> None:
    assert translate("kk", "login.limited", minutes=5) == (
        "Сәтсіз әрекеттер тым көп. 5 минуттан кейін қайталап көріңіз.")
    assert translate("ru", "login.limited", minutes=5) == (
        "Слишком много неудачных попыток. Повторите через 5 мин.")


def test_a_message_written_twice_stops_the_hub_at_start() -> None:
    """A page's catalogue may not replace another's text under the same id."""
    from hub.console import i18n

    taken = next(iter(MESSAGES))
    with pytest.raises(ValueError, match=f"defined twice: {re.escape(taken)}"):
        i18n._add_messages({"fresh.key": {"kk": "а", "ru": "а"}},
                           {taken: {"kk": "басқа", "ru": "другой"}})
    assert MESSAGES[taken] != {"kk": "басқа", "ru": "другой"}
    assert "fresh.key" not in MESSAGES  # nothing joins when one part clashes
