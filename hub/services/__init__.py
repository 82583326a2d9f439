"""Use cases of the hub: what the web API, the console and (later) the MQTT
bridge ask for. They own transactions, auditing and change events."""
