"""``python -m graphsvc`` runs the command line."""

from graphsvc.cli.main import main

main()
