"""``make demo``: the local stack on a synthetic customer base, with a readable summary."""
