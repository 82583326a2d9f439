"""The runtime every node shares (settings, MQTT link, outbox): the MQTT contract issue."""
