"""Shared plumbing: request parameters, errors, HTTP caching, mail, tokens, geocoding, interface languages, pictograms, maps."""
