"""Raspberry Pi node applications of Kezek: ticket terminal, display node, call button."""
