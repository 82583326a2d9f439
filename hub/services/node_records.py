"""Writing the hub's record of nodes (hub.domain.node_identity): an administrator's
change of one node, and provisioning's inventory imported whole. Both are checked
against the center's configuration as the hub holds it (the inventory was checked
against a copy of it when it was written; the hub's may have changed since)."""

from __future__ import annotations

from collections.abc import Sequence

from hub.domain.center import CenterConfig
from hub.domain.errors import ValidationFailed
from hub.domain.node_identity import Identity, valid_record
from hub.domain.text import Bilingual
from hub.services.nodes import NodeInfo, NodeRegistry, RecordImported
from provisioning.inventory import Inventory


def record_for(config: CenterConfig, role: str, desk: str | None,
               zones: Sequence[str]) -> Identity:
    """A record naming only what the center has; ValidationFailed otherwise."""
    return valid_record(role, desk, zones, desks=[d.code for d in config.desks],
                        zone_codes=[z.code for z in config.zones])


def change_record(nodes: NodeRegistry, config: CenterConfig, node_id: str, *, role: str,
                  desk: str | None, zones: Sequence[str], actor: str) -> NodeInfo:
    """An administrator sets what a node is; audited before and after."""
    return nodes.assign(node_id, record_for(config, role, desk, zones), actor=actor)


def import_inventory(nodes: NodeRegistry, config: CenterConfig, inventory: Inventory, *,
                     actor: str) -> list[RecordImported]:
    """Every node of the inventory gets its role, desk and zones as its record, all or
    none: a node naming a desk or zone the hub does not have refuses the whole import
    (ValidationFailed naming the node), nothing changed."""
    records: list[tuple[str, Identity, Sequence[str]]] = []
    for entry in inventory.nodes:
        settings = entry.settings
        # What the node will declare: a terminal's purposes' zones and its own, the
        # zones its requests are then allowed in (node_identity.zone_allowed).
        zones = settings.served_zones()
        try:
            record = record_for(config, settings.role.value, settings.desk, zones)
        except ValidationFailed as error:
            raise ValidationFailed(f"node {entry.node_id!r}: {error.detail}", Bilingual(
                kk=f"«{entry.node_id}» құрылғысы: {error.text.kk}",
                ru=f"Устройство «{entry.node_id}»: {error.text.ru}"),
                field=error.field) from None
        records.append((entry.node_id, record, zones))
    return nodes.import_records(records, actor=actor)
