"""Audiences: a JSON/YAML rule tree compiled to SQL over the identity tables, kept current in real time."""
