"""Accounts: users and password hashing."""
