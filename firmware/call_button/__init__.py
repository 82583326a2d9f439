"""Call button node: desk buttons and lamps (a later issue)."""
