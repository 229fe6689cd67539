"""Platform workflows: the thin end-to-end slice that reads profiles over gRPC."""
