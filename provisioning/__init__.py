"""Installer tools: from one inventory file of a center to node identities, broker
credentials and ACL, a small certificate authority, the Mosquitto configuration of the
hub machine, first-boot bundles for Raspberry Pi OS, Piper voices, and `doctor`."""
