"""Benchmarks (``make bench``): each result next to a raw ceiling measured in the same run."""
