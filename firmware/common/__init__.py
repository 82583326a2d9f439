"""The runtime every node application shares.

    settings  NodeSettings, load_node_settings: the node's file and environment
    outbox    Outbox: requests kept on disk until the hub answers them
    link      MqttLink: the paho client, status and will, down messages by channel
    runtime   NodeRuntime: all of it together, with heartbeat and systemd notify
    logs      configure_logging: JSON lines

Import the module you need: this package imports nothing, so a settings check or a
test of one part does not pull in paho-mqtt."""
