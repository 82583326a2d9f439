"""The aarch64 tier: each node role on an emulated Raspberry Pi OS (see emulation.py)."""
