"""The node's clock against the hub's: the hub's web server's `Date` header, read over
one round trip. Judged by `clock_level` and said in the words of the node's `clock`
driver (contract/node_faults.py), so the installer and the fleet page say the same thing."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx

from contract.mqtt import DriverState
from contract.node_faults import NODE_FAULTS, clock_level
from provisioning.doctor.findings import Finding, Options, fault, ok, warning
from provisioning.firstboot import HUB_URL_KEY

HUB_URL_ENV = HUB_URL_KEY


def check_clock(options: Options, now: Callable[[], float] = time.time) -> Finding:
    if not options.hub_url:
        return warning("clock", "Орталық сервердің адресі берілмеген: сағат тексерілмеді",
                       "Адрес центрального сервера не задан: часы не проверены",
                       f"--hub-url or {HUB_URL_ENV}")
    try:
        # Only the Date header is read and nothing is sent: the hub's web certificate
        # need not be from the center's CA for this.
        started = now()
        response = httpx.head(options.hub_url, timeout=options.timeout,
                              verify=False)
        finished = now()
        hub_time = parsedate_to_datetime(response.headers["date"]).timestamp()
    except (httpx.HTTPError, KeyError, TypeError, ValueError) as error:
        return fault("clock", "Орталық сервер уақытын алу мүмкін болмады",
                     "Не удалось получить время центрального сервера", str(error))
    # The Date header has whole seconds and was made somewhere during the round trip.
    skew = (started + finished) / 2 - hub_time - 0.5
    detail = f"node - hub = {skew:+.1f} s"
    level = clock_level(skew)
    if level is DriverState.OK:
        return ok("clock", "Сағат орталық сервермен сәйкес",
                  "Часы совпадают с центральным сервером", detail)
    words = NODE_FAULTS["clock_skew"]
    shown = f"{abs(skew):.0f}"
    ahead_kk, ahead_ru = ("алда", "спешат") if skew > 0 else ("артта", "отстают")
    kk = f"{words.kk} (сағат {shown} с {ahead_kk})"
    ru = f"{words.ru} (часы {ahead_ru} на {shown} с)"
    if level is DriverState.FAULT:
        return fault("clock", kk, ru, detail)
    return warning("clock", kk, ru, detail)
