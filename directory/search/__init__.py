"""Search: query parsing, facets and full text, and the public search and offer pages."""
