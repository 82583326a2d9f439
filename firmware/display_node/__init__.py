"""Display node: LED boards, the TV page and voice calls in the visitor's language
(`kezek-display-node`, see docs/display-node.md)."""
