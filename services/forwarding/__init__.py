"""Forwarding: destinations, per-destination delivery from the event stream, journey messages, dead letters."""
