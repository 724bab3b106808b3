"""The hub's domain: submissions, deliveries, their states and policies. Pure code, no I/O."""
