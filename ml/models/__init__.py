"""Plain torch models: no Ray, no services; each takes feature tensors and returns predictions."""
