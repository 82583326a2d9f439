"""The services of the appeals register, built together for the hub's wiring."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hub.services.appeals import AppealService
from hub.services.center_store import CenterStore
from hub.services.clock import Clock
from hub.services.consultations import ConsultationService
from hub.services.control import ControlService
from hub.services.protocols import ProtocolService
from hub.settings import AppealSettings
from hub.storage.db import Database


@dataclass(frozen=True, slots=True)
class AppealDesk:
    """Appeals, consultations with the survey, and control of deadlines."""

    register: AppealService
    consultations: ConsultationService
    control: ControlService


def build_appeal_desk(db: Database, centers: CenterStore, clock: Clock,
                      protocols: ProtocolService, settings: AppealSettings,
                      data_dir: Path) -> AppealDesk:
    return AppealDesk(
        register=AppealService(db, centers, clock, settings, data_dir),
        consultations=ConsultationService(db, centers, clock, settings),
        control=ControlService(db, centers, clock, protocols, settings))
