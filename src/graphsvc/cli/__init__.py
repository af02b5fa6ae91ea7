"""The graphsvc command line: thin commands over the core."""
