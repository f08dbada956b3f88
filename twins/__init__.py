"""Twins: in-memory behavioral clones of vendor services. Knows nothing of scenarios or agents."""
