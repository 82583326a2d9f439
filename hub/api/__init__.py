"""The hub's web API (FastAPI): routes only translate between HTTP and services."""
