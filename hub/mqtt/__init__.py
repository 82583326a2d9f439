"""The hub's side of MQTT: the bridge to the services and the embedded broker."""
