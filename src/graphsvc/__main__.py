"""``python -m graphsvc`` runs the command line."""

from graphsvc.cli import main

main()
