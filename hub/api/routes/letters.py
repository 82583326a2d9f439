"""Letters to applicants of personal reception (issue 7 item 6): the letters
of a request with their state, a letter's PDF, and sending a failed one again.
Reception workers and administrators only: a letter carries personal data."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response

from hub.api.deps import HubDep, current_principal
from hub.domain.roles import Role
from hub.services.letters import LetterInfo
from hub.services.users import Principal

router = APIRouter(prefix="/api/v1/reception", tags=["reception letters"])

LETTER_ROLES = frozenset({Role.ADMINISTRATOR, Role.RECEPTION})


async def _letters_role(principal: Annotated[Principal, Depends(current_principal)]
                        ) -> Principal:
    if principal.role not in LETTER_ROLES:
        raise HTTPException(403, f"role {principal.role.value} may not read letters")
    return principal


Worker = Annotated[Principal, Depends(_letters_role)]


def pdf_response(filename: str, pdf: bytes) -> Response:
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                               f"filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store"})


@router.get("/requests/{number}/letters", summary="The letters of a request and their state")
def request_letters(number: str, hub: HubDep, _: Worker) -> list[LetterInfo]:
    hub.reception.get(number)  # 404 for an unknown request
    return hub.letters.of_request(number)


@router.get("/letters/{letter_id}.pdf", summary="A letter as PDF",
            response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def letter_pdf(letter_id: str, hub: HubDep, _: Worker) -> Response:
    filename, pdf = hub.letters.pdf(letter_id)
    return pdf_response(filename, pdf)


@router.post("/letters/{letter_id}/send-again", summary="Send a failed letter again")
def send_again(letter_id: str, hub: HubDep, who: Worker) -> LetterInfo:
    return hub.letters.send_again(letter_id, actor=who.actor)
