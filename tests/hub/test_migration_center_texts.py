"""Migration 0013 on both databases: a center stored before the safe-text rule (a zone
name of 250 characters with a bidi override, a desk label with a zero-width space)
loads after it, cleaned as the configuration would now take it; clean names are
left alone."""

from __future__ import annotations

import sqlalchemy as sa

from contract.mqtt import TEXT_MAX_LENGTH
from hub.storage.migrate import upgrade
from hub.wiring import Hub
from tests.hub.test_migration_node_records import downgrade_to

LONG = "Консультация " + "ж" * 237  # 250 characters


def test_names_stored_before_the_rule_are_cleaned_and_the_center_loads(hub: Hub) -> None:
    before = hub.centers.snapshot().config
    untouched = before.zone("personal").name
    engine = hub.db.engine
    downgrade_to(engine, "0012")
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE zones SET name_kk = :name WHERE code = 'consultation'"),
                           {"name": "\u202e" + LONG})
        connection.execute(sa.text("UPDATE desks SET label_ru = :label WHERE code = 'window-1'"),
                           {"label": "Окно\u200b 1"})
    upgrade(engine)
    hub.centers.invalidate()
    config = hub.centers.snapshot().config  # loads: every name is valid again
    assert config.zone("consultation").name.kk == LONG[:TEXT_MAX_LENGTH].strip()
    assert next(d for d in config.desks if d.code == "window-1").label.ru == "Окно 1"
    assert config.zone("personal").name == untouched
