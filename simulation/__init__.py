"""Running the whole center through simulated days (the day runner and its invariants)."""
