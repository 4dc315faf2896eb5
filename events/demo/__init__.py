"""The Mali demo dataset (the article of SPEC.md, its sources and figures) and its loader."""

from .loader import DemoLoadError, DemoSummary, load_demo

__all__ = ["DemoLoadError", "DemoSummary", "load_demo"]
