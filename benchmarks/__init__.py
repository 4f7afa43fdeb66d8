"""Benchmarks: ``python -m benchmarks`` runs every group and prints one table per group."""
