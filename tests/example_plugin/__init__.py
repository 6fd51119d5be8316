"""A tiny plugin that implements every hook, for the contract tests (see plugin.py)."""
