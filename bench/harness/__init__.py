"""Shared helpers for the benchmarks in bench/."""
