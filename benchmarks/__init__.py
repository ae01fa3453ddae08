"""Benchmarks of poetry-plugin-multiarch against stock Poetry and uv (run: run.py)."""
