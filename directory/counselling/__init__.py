"""Counselling: the client's situation, candidate offers and their ranking with reasons."""
