"""The shopping agent: tools, the chat models behind them, guardrails."""
