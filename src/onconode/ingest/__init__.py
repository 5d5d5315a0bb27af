"""Readers: one per source format, each producing the harmonized model."""
