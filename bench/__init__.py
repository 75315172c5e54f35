"""The performance benchmark (`make bench`): see docs/BENCHMARKS.md."""
