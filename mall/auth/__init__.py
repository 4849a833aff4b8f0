"""Tokens, login, refresh rotation, logout and the request guards."""
