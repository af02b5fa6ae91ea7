"""How queries run: one Executor protocol, its admission, and three executors."""
