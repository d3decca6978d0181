"""State machines and the commands that move records through them (no view code)."""
