"""Helpers for tests that run the real app, its desktop and its buses."""
