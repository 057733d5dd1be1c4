"""Telegram adapter over the digest library: knows Telegram, not page layout."""
