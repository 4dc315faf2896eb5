"""The incident list against Datasette on the same rows: `make bench` (bench/run.py)."""
