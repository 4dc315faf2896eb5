"""The Mali demo dataset (the article of SPEC.md, its sources and figures) and its loader, `demo.loader`."""
