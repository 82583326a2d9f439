"""Kezek hub: owns the queue, the bookings and the appeals; serves the web API and the console."""

__version__ = "0.1.0"
