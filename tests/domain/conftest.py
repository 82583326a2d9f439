"""Shared fixtures of the domain tests: the Borodulikha center as it ships.

The configuration is read from ``hub/centers/borodulikha.toml`` through the
same schema the hub uses on first start, so these tests also notice when the
shipped file and the domain rules drift apart.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import hub
from hub.center_schema import CenterDocument, read_center_file
from hub.domain.calendar import WorkCalendar
from hub.domain.center import CenterConfig

BORODULIKHA_FILE = Path(hub.__file__).resolve().parent / "centers" / "borodulikha.toml"


@pytest.fixture(scope="session")
def borodulikha_document() -> CenterDocument:
    return read_center_file(BORODULIKHA_FILE)


@pytest.fixture(scope="session")
def borodulikha(borodulikha_document: CenterDocument) -> CenterConfig:
    return borodulikha_document.to_domain()


@pytest.fixture(scope="session")
def borodulikha_calendar(borodulikha_document: CenterDocument) -> WorkCalendar:
    doc = borodulikha_document
    return WorkCalendar(doc.hours.to_domain(), timezone=doc.timezone,
                        closed_days=doc.calendar.closed_days,
                        working_days=doc.calendar.working_days)
