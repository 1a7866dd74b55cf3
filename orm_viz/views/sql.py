"""SQL as people read it: one clause per line, and a query's timing in one sentence."""

from __future__ import annotations

import re

from orm_viz.trace.records import QueryRecord

# Clauses that start a new line. Matched as whole words outside quotes only.
_CLAUSES = (
    "SELECT",
    "FROM",
    "INNER JOIN",
    "LEFT OUTER JOIN",
    "WHERE",
    "GROUP BY",
    "HAVING",
    "ORDER BY",
    "LIMIT",
    "OFFSET",
    "VALUES",
    "SET",
    "RETURNING",
)
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|[^'\"]+|['\"]")
_CLAUSE = re.compile(r"\b(" + "|".join(c.replace(" ", r"\s+") for c in _CLAUSES) + r")\b")


def format_sql(sql: str) -> str:
    """``sql`` with each main clause on its own line; quoted text is left untouched."""
    out: list[str] = []
    for piece in _TOKEN.findall(sql):
        if piece[:1] in ("'", '"'):
            out.append(piece)
        else:
            out.append(_CLAUSE.sub(lambda m: "\n" + m[1], piece))
    lines = [line.strip() for line in "".join(out).splitlines() if line.strip()]
    return "\n".join(line if number == 0 else "  " + line for number, line in enumerate(lines))


def query_timing(query: QueryRecord) -> str:
    """E.g. "QuerySet._fetch_all in ThreadPoolExecutor-0_0: 0.4 ms, 3 rows (query 2)"."""
    took = f"{(query.end - query.start) * 1000:.1f} ms" if query.end >= 0 else "still running"
    rows = f", {query.rows} row{'s' if query.rows != 1 else ''}" if query.rows >= 0 else ""
    latency = f", {query.latency * 1000:g} ms simulated latency" if query.latency else ""
    error = f", failed: {query.error}" if query.error else ""
    return (
        f"{query.orm_function} in {query.thread}: {took}{rows}{latency}{error} "
        f"(query {query.id}, {query.source})"
    )
