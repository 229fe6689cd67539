"""Ray Serve applications; ``serve_config.yaml`` beside this file is the source of truth for their options."""
