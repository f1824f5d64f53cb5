"""Concierge: a self-hostable, LLM-assisted conversational shopping assistant."""

__version__ = "0.1.0"
