"""Seeded synthetic registers and their truth, for testing covgap (``python -m sample_data.generator``)."""
