"""Our own API under /api/v1, one module per area, and the probes."""
