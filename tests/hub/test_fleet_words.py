"""Every driver a node application reports has a name in Kazakh and Russian on the fleet
page: no machine word in English inside a kk/ru page."""

from __future__ import annotations

import re

import pytest

from hub.console.fleet import driver_name
from hub.console.i18n import Language

# The drivers the node applications report (firmware/*/app.py, firmware/virtual/).
NODE_DRIVERS = ("printer", "buttons", "scanner", "tv", "speaker", "clock", "board-hall")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("code", NODE_DRIVERS)
def test_every_node_driver_is_named_in_the_page_language(language: Language,
                                                         code: str) -> None:
    name = driver_name(language, code)
    # A board keeps the name the installer gave it (hall); the rest is the page's words.
    words = name.removesuffix(" hall") if code == "board-hall" else name
    assert not LATIN_WORD.search(words), name


def test_a_board_is_named_with_its_own_name() -> None:
    assert driver_name(Language.KK, "board-window-3") == "Табло window-3"
    assert driver_name(Language.RU, "board-hall") == "Табло hall"
