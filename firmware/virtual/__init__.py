"""The virtual center: simulated nodes on the real node runtime and a load driver that
plays a day of visitors through the real MQTT path. For the demonstration, the
end-to-end tests and the benchmarks; until a node application exists, a thin
simulated client stands in for it."""
