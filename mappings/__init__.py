"""Declarative mapping specs (``<service>.<standard>.yaml``) and the functions they call."""
