"""The web layer: FastAPI routes over the graph service."""
