"""Ticket terminal node: visitor buttons and the thermal printer (a later issue)."""
