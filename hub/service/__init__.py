"""The service layer: use cases that the API and the CLI call (handlers hold no SQL)."""
