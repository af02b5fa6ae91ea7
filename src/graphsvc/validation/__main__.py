"""``python -m graphsvc.validation``: the validation process of ``graphsvc serve`` (worker.py)."""

import os
import sys

from graphsvc.validation.worker import main

code = main()
sys.stdout.flush()
sys.stderr.flush()
# The result is out (and the cache's lock goes with the process): no interpreter teardown, which
# for a large rdflib graph would take seconds of freeing objects one by one, for nothing.
os._exit(code)
