"""Offers: vocabularies, the texts a visitor sees, schedules, editing with its workflow and history, freshness, import."""
