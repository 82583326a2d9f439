"""The public address of one ticket's status page, printed as the ticket's QR code.

The address carries the ticket id and a token, an HMAC of the id under a key
derived from the hub's secret: nobody can walk from one ticket to the next by
changing the id, and the page shows numbers only (000 §2: no personal data).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

TOKEN_CHARS = 16  # 96 bits of the HMAC: far beyond guessing over HTTP
_PATH = re.compile(r"^([1-9][0-9]{0,9})-([A-Za-z0-9_-]{16})$")


class TicketLinks:
    def __init__(self, secret: str, base_url: str) -> None:
        # A key of its own: a cookie signature never doubles as a ticket token.
        self._key = hmac.new(secret.encode(), b"kezek ticket status page",
                             hashlib.sha256).digest()
        self.base_url = base_url.rstrip("/")

    def token(self, ticket_id: int) -> str:
        digest = hmac.new(self._key, str(ticket_id).encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:TOKEN_CHARS]

    def path(self, ticket_id: int) -> str:
        return f"/t/{ticket_id}-{self.token(ticket_id)}"

    def url(self, ticket_id: int) -> str:
        return self.base_url + self.path(ticket_id)

    def ticket_of(self, key: str) -> int | None:
        """The ticket id of a page key `<id>-<token>`, or None when it is not genuine."""
        match = _PATH.match(key)
        if match is None:
            return None
        ticket_id = int(match.group(1))
        if not hmac.compare_digest(self.token(ticket_id), match.group(2)):
            return None
        return ticket_id
