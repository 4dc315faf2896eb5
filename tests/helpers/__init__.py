"""Helpers that several test modules share, one module per topic. Test modules import from here (and from
tests/factories.py), never from one another: tests/test_layout.py checks it."""
