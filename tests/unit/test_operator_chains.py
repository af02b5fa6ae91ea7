"""Chains of operators deep enough to overflow pyoxigraph's stack (and end the server process)
are refused before any parser sees them, as deep nesting is (sparql.MAX_OPERATORS)."""

from __future__ import annotations

import pytest

from graphsvc.errors import QuerySyntaxError
from graphsvc.sparql import MAX_OPERATORS, check_policy, classify

CHAINS = {
    "or": lambda n: "ASK { FILTER(" + " || ".join(["false"] * n) + ") }",
    "plus": lambda n: "ASK { FILTER(" + " + ".join(["1"] * n) + " > 0) }",
    "union": lambda n: "ASK { " + " UNION ".join(["{}"] * n) + " }",
    "path": lambda n: "ASK { ?s " + "/".join(["<p>"] * n) + " ?o }",
    "optional": lambda n: "ASK { " + " ".join(["OPTIONAL { ?s <p> ?o }"] * n) + " }",
}


@pytest.mark.parametrize("kind", sorted(CHAINS))
def test_long_chains_are_refused(kind: str) -> None:
    with pytest.raises(QuerySyntaxError, match=r"chains .* operators"):
        check_policy(classify(CHAINS[kind](MAX_OPERATORS + 2)), [])


@pytest.mark.parametrize("kind", sorted(CHAINS))
def test_written_queries_are_far_below_the_limit(kind: str) -> None:
    check_policy(classify(CHAINS[kind](100)), [])


def test_a_long_list_of_alternatives_in_in_is_fine() -> None:
    values = ", ".join(f'"v{i}"' for i in range(5000))
    check_policy(classify(f"SELECT * {{ ?s ?p ?o FILTER(?o IN ({values})) }}"), [])
