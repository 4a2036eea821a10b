"""Benchmarks: the trainer against PyTorch, the dashboard's overhead, the page in a browser."""
