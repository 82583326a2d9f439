"""Zones whose number range is too small for the day (issue 16): staff must hear of it
once, in both languages, before visitors are turned away. The lease service raises it
when a terminal finds no number to spare; issuing may raise it when a visitor is refused
`range_exhausted` (one instance shared through the wiring).

Kept in memory per zone and service day (a restart may alert again, which is harmless),
audited once and published on the bus as a `range_short` event whose `extra` holds the
kk and ru texts, so live console pages hear of it at once and read `today()`."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date, datetime

from hub.domain.text import Bilingual
from hub.services import audit
from hub.services.center_store import CenterStore
from hub.services.clock import Clock
from hub.services.events import EventBus, QueueEvent
from hub.storage.db import Database

log = logging.getLogger("kezek.range_alerts")


@dataclass(frozen=True, slots=True)
class RangeAlert:
    """A zone's range too small for the day, and what staff read about it."""

    zone: str
    service_day: date
    at: datetime
    text: Bilingual
    detail: str


class RangeAlerts:
    def __init__(self, db: Database, centers: CenterStore, clock: Clock,
                 bus: EventBus) -> None:
        self._db = db
        self._centers = centers
        self._clock = clock
        self._bus = bus
        self._alerts: dict[tuple[str, date], RangeAlert] = {}
        self._lock = threading.Lock()

    def raise_alert(self, alert: RangeAlert) -> bool:
        """Remember, audit and announce the alert, once a zone and day. True the first
        time."""
        with self._lock:
            if (alert.zone, alert.service_day) in self._alerts:
                return False
            self._alerts[(alert.zone, alert.service_day)] = alert
        with self._db.write() as session:
            audit.record(session, actor="hub", action="range_short", entity="zone",
                         entity_id=alert.zone, at=alert.at, before=None,
                         after={"service_day": alert.service_day.isoformat(),
                                "detail": alert.detail, "kk": alert.text.kk,
                                "ru": alert.text.ru})
        log.warning("zone %s: %s", alert.zone, alert.detail)
        self._bus.publish(QueueEvent(kind="range_short", at=alert.at, zone=alert.zone,
                                     extra={"kk": alert.text.kk, "ru": alert.text.ru}))
        return True

    def today(self) -> list[RangeAlert]:
        """Today's alerts by zone, for the console."""
        day = self._centers.snapshot().calendar.service_day(self._clock.now())
        with self._lock:
            return [alert for (_, alert_day), alert in sorted(self._alerts.items())
                    if alert_day == day]
