"""The security tier: what an attacker on the center's LAN or a curious role tries, kept from coming back (issue 17)."""
