"""ASGI middleware: conditional GETs and the /sparql fast path."""
