"""The security tier (issue 17): what an attacker on the LAN or a curious role tries."""
