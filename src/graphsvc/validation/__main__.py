"""``python -m graphsvc.validation``: the validation process ``graphsvc serve`` starts (worker.py)."""

import sys

from graphsvc.validation.worker import main

sys.exit(main())
