"""Open data: the JSON API and its OpenAPI document, HSDS export, open formats and the embeddable widget."""
