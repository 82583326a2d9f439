"""What an operator does at a desk: the same actions whether pressed on the desk's
call-button panel, clicked on the console's desk page or asked through the API."""

from __future__ import annotations

from enum import StrEnum


class DeskAction(StrEnum):
    NEXT = "next"  # call the next visitor the desk should serve
    CALL = "call"  # call one chosen waiting visitor
    RECALL = "recall"  # call the visitor at the desk again
    START = "start"  # the visitor at the desk came: service begins
    DONE = "done"  # service ends
    NO_SHOW = "no_show"  # the visitor called did not come
    TRANSFER = "transfer"  # send the visitor on to another zone or desk

    @property
    def calls(self) -> bool:
        """Brings a visitor to the desk: refused while its operator is on a break."""
        return self in CALLING

    @property
    def on_visitor(self) -> bool:
        """Acts on the visitor at the desk."""
        return not self.calls


CALLING = frozenset({DeskAction.NEXT, DeskAction.CALL})
