"""The test suite's keyring: every hub the fixtures build, and every ``hub`` process the tests
start against its database, seal and open personal content with it (issue 13). A test key only."""

from __future__ import annotations

TEST_KEYRING = '{"current": "test-1", "keys": {"test-1": "dGVzdC1rZXktb2YtdGhlLWh1Yi1zdWl0ZS0zMmJ5dGU="}}'
