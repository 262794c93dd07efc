"""Benchmarks: ``python -m bench.scale`` measures full scans against local emulators."""
