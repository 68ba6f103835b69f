"""Referrals: status and answers from providers, the sheet the client takes home, statistics, retention."""
