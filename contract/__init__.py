"""What the hub and the nodes agree on. Imported by both; depends only on pydantic."""
