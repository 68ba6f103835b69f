"""Accounts: sign-in, sign-up, invitations, password reset and permissions."""
