"""``python -m graphsvc.validation``: the validation process of ``graphsvc serve`` (worker.py)."""

import sys

from graphsvc.validation.worker import main

sys.exit(main())
