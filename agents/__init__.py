"""Agents: clients of the engine. The engine knows only the Agent protocol."""
