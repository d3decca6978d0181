"""Benchmarks: `python -m bench.<name>`; figures go into README."""
