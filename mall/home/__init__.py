"""Where a newcomer lands: `/` and the API prefixes say where everything is."""
