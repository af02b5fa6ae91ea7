"""Validation: inputs, findings, SHACL, lints, literals, source maps and reports."""
