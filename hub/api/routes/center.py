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
from hub.domain.errors import NotFound, ValidationFailed
from hub.domain.text import Bilingual

router = APIRouter(prefix="/api/v1/center", tags=["center"])

# Collection name in the document -> the word used in messages.
_COLLECTIONS = {"zones": "zone", "desks": "desk", "purposes": "purpose",
                "out_of_turn": "out-of-turn category"}


def _upsert(collection: str, code: str, item: dict[str, Any]) -> Any:
    def change(doc: dict[str, Any]) -> None:
        if item.get("code") != code:
            raise ValidationFailed(
                f"the code in the body ({item.get('code')!r}) differs from the path ({code!r})",
                Bilingual(kk="Сұраудағы код сәйкес келмейді", ru="Код в запросе не совпадает"),
                field="code")
        items = doc[collection]
        for i, existing in enumerate(items):
            if existing["code"] == code:
                items[i] = item
                return
        items.append(item)
    return change


def _remove(collection: str, code: str) -> Any:
    def change(doc: dict[str, Any]) -> None:
        before = len(doc[collection])
        doc[collection] = [i for i in doc[collection] if i["code"] != code]
        if len(doc[collection]) == before:
            noun = _COLLECTIONS[collection]
            raise NotFound(f"no {noun} {code!r}",
                           Bilingual(kk=f"«{code}» табылмады", ru=f"«{code}» не найден"),
                           field="code")
    return change


def _set(section: str, value: dict[str, Any] | str) -> Any:
    def change(doc: dict[str, Any]) -> None:
        doc[section] = value
    return change


@router.get("", response_model=CenterDocument, summary="The whole configuration")
def get_center(hub: HubDep, _: Viewer) -> CenterDocument:
    return hub.centers.snapshot().document


@router.put("", response_model=CenterDocument, summary="Replace the whole configuration")
def put_center(body: CenterDocument, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.replace(body, actor=who.actor).document


@router.put("/name", response_model=CenterDocument, summary="The center's name")
def put_name(body: BilingualText, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(_set("name", body.model_dump()), actor=who.actor,
                            action="set_name").document


@router.put("/hours", response_model=CenterDocument, summary="Working hours and lunch")
def put_hours(body: HoursDoc, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(_set("hours", body.model_dump(mode="json")), actor=who.actor,
                            action="set_hours").document


@router.put("/calendar", response_model=CenterDocument,
            summary="Extra closed days and transferred working days")
def put_calendar(body: CalendarDoc, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(_set("calendar", body.model_dump(mode="json")), actor=who.actor,
                            action="set_calendar").document


@router.put("/policy", response_model=CenterDocument, summary="Queue policy")
def put_policy(body: PolicyDoc, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(_set("policy", body.model_dump(mode="json")), actor=who.actor,
                            action="set_policy").document


@router.put("/zones/{code}", response_model=CenterDocument, summary="Add or change a zone")
def put_zone(code: str, body: ZoneDoc, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(_upsert("zones", code, body.model_dump(mode="json")),
                            actor=who.actor, action="put_zone").document


@router.delete("/zones/{code}", response_model=CenterDocument, summary="Remove a zone")
def delete_zone(code: str, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(_remove("zones", code), actor=who.actor,
                            action="delete_zone").document


@router.put("/desks/{code}", response_model=CenterDocument, summary="Add or change a desk")
def put_desk(code: str, body: DeskDoc, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(_upsert("desks", code, body.model_dump(mode="json")),
                            actor=who.actor, action="put_desk").document


@router.delete("/desks/{code}", response_model=CenterDocument, summary="Remove a desk")
def delete_desk(code: str, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(_remove("desks", code), actor=who.actor,
                            action="delete_desk").document


@router.put("/purposes/{code}", response_model=CenterDocument,
            summary="Add or change a visit purpose")
def put_purpose(code: str, body: PurposeDoc, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(_upsert("purposes", code, body.model_dump(mode="json")),
                            actor=who.actor, action="put_purpose").document


@router.delete("/purposes/{code}", response_model=CenterDocument, summary="Remove a purpose")
def delete_purpose(code: str, hub: HubDep, who: Configurator) -> CenterDocument:
    return hub.centers.edit(_remove("purposes", code), actor=who.actor,
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
    return hub.centers.edit(_remove("out_of_turn", code), actor=who.actor,
                            action="delete_out_of_turn").document
