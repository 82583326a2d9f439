"""The console's board with 200 waiting (issue 16): each zone shows its count and
its next visitors in call order with their flags, says how many more follow in
Kazakh and Russian, opens one zone's whole list on request, and stays small."""

from __future__ import annotations

import re

from hub.console.board import NEXT_SHOWN
from hub.console.web import LANG_COOKIE
from hub.domain.roles import Role
from hub.wiring import Hub
from tests.hub.test_console_check_in import signed_in

WAITING = 200


def _seed(hub: Hub) -> list[int]:
    """200 in the consultation (two of them out of turn, late), 3 at the personal
    reception; the consultation's numbers in the order the desks will call them."""
    regular = [hub.queue.issue(language="kk" if i % 3 else "ru", purpose="complaint",
                               needs_escort=i == 5, actor="test").ticket.number
               for i in range(WAITING - 2)]
    priority = [hub.queue.issue(language="kk", purpose="complaint", out_of_turn="disability",
                                actor="test").ticket.number for _ in range(2)]
    for _ in range(3):
        hub.queue.issue(language="ru", purpose="booked_reception", actor="test")
    return priority + regular


def _zone(html: str, code: str) -> str:
    start = html.index(f'data-zone="{code}"')
    end = html.find("<article", start)
    return html[start:end if end != -1 else html.index('class="board-lower"', start)]


def test_two_hundred_waiting_stay_one_screen(hub: Hub) -> None:
    order = _seed(hub)
    browser = signed_in(hub, "reception1", Role.RECEPTION)
    page = browser.get("/console/")
    assert page.status_code == 200
    consultation = _zone(page.text, "consultation")
    assert f'data-waiting-count="consultation">{WAITING}<' in consultation
    shown = [int(n) for n in re.findall(r'data-ticket="(\d+)"', consultation)]
    # The next twelve in call order: the out-of-turn visitors first, then by arrival.
    assert shown == order[:NEXT_SHOWN]
    assert consultation.count("badge-priority") == 2
    assert consultation.count("badge-escort") == 1
    assert f"және тағы {WAITING - NEXT_SHOWN}" in consultation
    assert 'href="/console/?all=consultation"' in consultation
    personal = _zone(page.text, "personal")
    assert len(re.findall(r'data-ticket="\d+"', personal)) == 3
    assert "data-more" not in personal  # nothing hidden: no "and more"
    # The whole board no longer grows with the queue: 200 waiting, a few tickets' worth.
    assert len(page.text.encode()) < 60_000
    browser.cookies.set(LANG_COOKIE, "ru")
    ru = browser.get("/console/board/fragment")
    assert f"и ещё {WAITING - NEXT_SHOWN}" in _zone(ru.text, "consultation")
    assert len(ru.text.encode()) < 40_000


def test_one_zone_opens_whole_and_keeps_the_others_short(hub: Hub) -> None:
    order = _seed(hub)
    browser = signed_in(hub, "reception1", Role.RECEPTION)
    page = browser.get("/console/?all=consultation")
    consultation = _zone(page.text, "consultation")
    assert [int(n) for n in re.findall(r'data-ticket="(\d+)"', consultation)] == order
    assert "data-more" not in consultation
    assert 'data-show-less="consultation"' in consultation
    # The live updates of this page keep the whole list open.
    assert 'data-events="/console/board/events?all=consultation"' in page.text
    assert 'data-fragment="/console/board/fragment?all=consultation"' in page.text
    fragment = browser.get("/console/board/fragment?all=consultation")
    assert len(re.findall(r'data-ticket="\d+"', _zone(fragment.text, "consultation"))) == WAITING
    # Anything else is the short board.
    odd = browser.get("/console/?all=nonsense")
    assert len(re.findall(r'data-ticket="\d+"',
                          _zone(odd.text, "consultation"))) == NEXT_SHOWN
    assert 'data-events="/console/board/events"' in odd.text


def test_desks_are_a_compact_grid(hub: Hub) -> None:
    _seed(hub)
    hub.staffing.sign_in("window-1", "reception0")
    called = hub.queue.call_next("window-1", actor="test")
    browser = signed_in(hub, "reception1", Role.RECEPTION)
    page = browser.get("/console/board/fragment").text
    desks = re.findall(r'<li class="desk-card[^"]*" data-desk="([^"]+)"', page)
    assert desks == [d.code for d in hub.centers.snapshot().config.desks]
    window = page[page.index('data-desk="window-1"'):]
    window = window[:window.index("</li>")]
    assert f'data-current="{called.number}"' in window
    assert "шақырылды" in window
    assert "<table" not in page[page.index('class="panel desks"'):page.index("panel recent")]
