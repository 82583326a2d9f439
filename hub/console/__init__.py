"""The web console (server-rendered, Kazakh/Russian); being written."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Mount the console's pages and static files on `app`."""
