"""The center's configuration: read by anyone signed in, changed by administrators.
Every change is validated against the whole configuration before it is stored."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from hub.api.deps import Configurator, HubDep, Viewer
from hub.center_schema import (
    BilingualText,
    CalendarDoc,
    CenterDocument,
    DeskDoc,
    HoursDoc,
    OutOfTurnDoc,
    PolicyDoc,
    PurposeDoc,
    ZoneDoc,
)
from hub.domain.errors import ValidationFailed
from hub.domain.text import Bilingual
from hub.services.center_store import DocumentChange, put_item, remove_item, set_section

router = APIRouter(prefix="/api/v1/center", tags=["center"])

def _same_code(code: str, item: dict[str, Any]) -> None:
    if item.get("code") != code:
        raise ValidationFailed(
            f"the code in the body ({item.get('code')!r}) differs from the path ({code!r})",
            Bilingual(kk="Сұраудағы код сәйкес келмейді", ru="Код в запросе не совпадает"),
            field="code")


def _upsert(collection: str, code: str, item: dict[str, Any]) -> DocumentChange:
    _same_code(code, item)
    return put_item(collection, item)


@router.get("", response_model=CenterDocument, summary="The whole configuration")
def get_center(hub: HubDep, _: Viewer) -> CenterDocument:
    return hub.centers.snapshot().document


@router.put("", response_model=CenterDocument, summary="Replace the whole configuration")
def put_center(body: CenterDocument, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.replace(body, actor=who.actor).document


@router.put("/name", response_model=CenterDocument, summary="The center's name")
def put_name(body: BilingualText, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(set_section("name", body.model_dump()), actor=who.actor,
                            action="set_name").document


@router.put("/hours", response_model=CenterDocument, summary="Working hours and lunch")
def put_hours(body: HoursDoc, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(set_section("hours", body.model_dump(mode="json")), actor=who.actor,
                            action="set_hours").document


@router.put("/calendar", response_model=CenterDocument,
            summary="Extra closed days and transferred working days")
def put_calendar(body: CalendarDoc, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(set_section("calendar", body.model_dump(mode="json")), actor=who.actor,
                            action="set_calendar").document


@router.put("/policy", response_model=CenterDocument, summary="Queue policy")
def put_policy(body: PolicyDoc, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(set_section("policy", body.model_dump(mode="json")), actor=who.actor,
                            action="set_policy").document


@router.put("/zones/{code}", response_model=CenterDocument, summary="Add or change a zone")
def put_zone(code: str, body: ZoneDoc, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(_upsert("zones", code, body.model_dump(mode="json")),
                            actor=who.actor, action="put_zone").document


@router.delete("/zones/{code}", response_model=CenterDocument, summary="Remove a zone")
def delete_zone(code: str, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(remove_item("zones", code), actor=who.actor,
                            action="delete_zone").document


@router.put("/desks/{code}", response_model=CenterDocument, summary="Add or change a desk")
def put_desk(code: str, body: DeskDoc, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(_upsert("desks", code, body.model_dump(mode="json")),
                            actor=who.actor, action="put_desk").document


@router.delete("/desks/{code}", response_model=CenterDocument, summary="Remove a desk")
def delete_desk(code: str, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(remove_item("desks", code), actor=who.actor,
                            action="delete_desk").document


@router.put("/purposes/{code}", response_model=CenterDocument,
            summary="Add or change a visit purpose")
def put_purpose(code: str, body: PurposeDoc, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(_upsert("purposes", code, body.model_dump(mode="json")),
                            actor=who.actor, action="put_purpose").document


@router.delete("/purposes/{code}", response_model=CenterDocument, summary="Remove a purpose")
def delete_purpose(code: str, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(remove_item("purposes", code), actor=who.actor,
                            action="delete_purpose").document


@router.put("/out-of-turn/{code}", response_model=CenterDocument,
            summary="Add or change an out-of-turn category")
def put_category(code: str, body: OutOfTurnDoc, hub: HubDep,
                 who: Configurator) -> CenterDocument:
    return hub.centers.edit(_upsert("out_of_turn", code, body.model_dump(mode="json")),
                            actor=who.actor, action="put_out_of_turn").document


@router.delete("/out-of-turn/{code}", response_model=CenterDocument,
               summary="Remove an out-of-turn category")
def delete_category(code: str, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(remove_item("out_of_turn", code), actor=who.actor,
                            action="delete_out_of_turn").document
