"""Moderation: the queue, review, history, stale offers and the import upload."""
