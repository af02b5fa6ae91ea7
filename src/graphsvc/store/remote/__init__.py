"""The remote engine: any SPARQL 1.1 Protocol store, and publishing to it."""
