"""Delivery: the broker, the deliver actor, retries, circuit breakers, concurrency limits, the sweeper."""
