"""Helpers shared by the test suite: region configs, envelopes, waiting for conditions."""
