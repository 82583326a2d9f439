"""The day runner: whole working days of the center on one simulated clock, checked
against the invariants of a real queue."""
