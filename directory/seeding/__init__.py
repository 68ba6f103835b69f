"""Seed data: reference data, demo offers and their translations, demo accounts."""
