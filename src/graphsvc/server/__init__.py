"""The server process and its supervisor (standard library only: it must start fast)."""
