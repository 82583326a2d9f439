"""Display node: LED boards, TV screens and voice calls (a later issue)."""
