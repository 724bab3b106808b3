"""The HTTP API: intake, status, events, operator endpoints, health and metrics."""
