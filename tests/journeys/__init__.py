"""The README tour of every role, walked in a real browser as people do it; the database is checked after each step."""
