"""Installer tools: node identities, broker credentials, first-boot bundles (a later issue)."""
