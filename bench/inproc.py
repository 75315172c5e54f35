"""In-process measurements, run by bench/run.py with the same database and settings as the server.

    python -m bench.inproc --targets targets.json [--explain-dir DIR]

Queries per request: each page is requested once to warm it (the first
request of a process fills its caches), then once more inside
CaptureQueriesContext; pages with an ETag are then asked again with
If-None-Match. With `--explain-dir`, every query a list page makes on the big
tables is run again under `EXPLAIN (ANALYZE, BUFFERS)`; the plans are saved
there, and each list query (one with a LIMIT) is checked: it must use an
index and must not sort, scan sequentially, or read and discard more rows than
a page needs (more than SORT_ROWS_LIMIT). A prepared read (tracker.prepared,
bound on the server) is explained as the server runs it: PREPAREd, then
`EXPLAIN EXECUTE`, so the plan shown is the connection's generic plan; any
other query with its values written in, as Django sends it.
"""

import argparse
import json
import os
import re
from pathlib import Path

BIG_TABLES = ("incidents_incident", "incidents_post", "incidents_followup", "django_session")
# A Sort node fed with more rows than this sorts far more than a page (pages are 20-50 rows).
SORT_ROWS_LIMIT = 1000


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


def _client(officer: str | None):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    if officer:
        client.force_login(get_user_model().objects.get(username=officer))
    return client


def _capture(client, path, headers=None, sent=None):
    """The response and the SQL of each query (as logged); `sent`, a list, also receives each
    query as it was sent: (sql with placeholders, parameters, bound on the server?)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from psycopg import ClientCursor

    def record(execute, sql, params, many, context):
        if sent is not None:
            sent.append((sql, params, not isinstance(context["cursor"].cursor, ClientCursor)))
        return execute(sql, params, many, context)

    with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(record):
        response = client.get(path, headers=headers or {})
    return response, [q["sql"] for q in ctx.captured_queries]


def count_queries(targets: dict) -> dict:
    result = {}
    for name, target in targets.items():
        client = _client(target.get("officer"))
        _, cold_sql = _capture(client, target["path"])
        response, sql = _capture(client, target["path"])
        entry = {
            "status": response.status_code,
            "queries_cold": len(cold_sql),
            "queries": len(sql),
            "sql": sql,
            "etag": response.get("ETag"),
        }
        if response.get("ETag"):
            for _ in range(2):  # the ETag moves with the minute: ask again if it just moved
                conditional, csql = _capture(client, target["path"], {"If-None-Match": response["ETag"]})
                if conditional.status_code == 304:
                    break
                response, _ = _capture(client, target["path"])
            entry.update(
                conditional_status=conditional.status_code, conditional_queries=len(csql), conditional_sql=csql
            )
        result[name] = entry
    return result


def _walk(node):
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def verdict(plan: dict, is_list: bool) -> dict:
    nodes = list(_walk(plan["Plan"]))
    indexes = sorted(
        {
            n.get("Index Name", "")
            for n in nodes
            if n["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Index Scan")
        }
    )
    seq = [
        {"table": n["Relation Name"], "rows": n.get("Actual Rows", 0) * n.get("Actual Loops", 1)}
        for n in nodes
        if n["Node Type"] == "Seq Scan" and n.get("Relation Name") in BIG_TABLES
    ]
    sorts = []
    for n in nodes:
        if n["Node Type"] in ("Sort", "Incremental Sort"):
            fed = sum(c.get("Actual Rows", 0) * c.get("Actual Loops", 1) for c in n.get("Plans", []))
            sorts.append({"type": n["Node Type"], "method": n.get("Sort Method", ""), "rows_in": fed})
    big_sorts = [s for s in sorts if s["rows_in"] > SORT_ROWS_LIMIT]
    # An index scan that reads far more rows than it returns (e.g. a keyset condition the index cannot bound).
    filtered = [
        {"node": n["Node Type"], "index": n.get("Index Name", ""), "removed": n["Rows Removed by Filter"]}
        for n in nodes
        if n.get("Rows Removed by Filter", 0) * n.get("Actual Loops", 1) > SORT_ROWS_LIMIT
        and n.get("Relation Name") in BIG_TABLES
    ]
    problems = []
    if is_list and not indexes:
        problems.append("no index used")
    if seq:
        problems.append("sequential scan of " + ", ".join(f"{s['table']} ({s['rows']} rows)" for s in seq))
    if big_sorts:
        problems.append("sort of " + ", ".join(str(s["rows_in"]) for s in big_sorts) + " rows")
    if is_list and filtered:
        problems.append(
            "reads and discards "
            + ", ".join(f"{f['removed']} rows ({f['index'] or f['node']})" for f in filtered)
            + ": the index does not bound the condition"
        )
    return {
        "indexes": indexes,
        "seq_scans": seq,
        "sorts": sorts,
        "filtered": filtered,
        "execution_ms": round(plan.get("Execution Time", 0.0), 3),
        "planning_ms": round(plan.get("Planning Time", 0.0), 3),
        "shared_hit": plan["Plan"].get("Shared Hit Blocks", 0),
        "shared_read": plan["Plan"].get("Shared Read Blocks", 0),
        "ok": not problems,
        "problems": problems,
    }


def _tables(sql: str) -> set[str]:
    return set(re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', sql))


def _explained(query: str, sent: tuple) -> tuple[dict, str, str]:
    """EXPLAIN (ANALYZE, BUFFERS) of one query, as JSON and as text, and which plan it is."""
    from django.db import connection
    from psycopg.sql import Literal

    from tracker.prepared import PLACEHOLDER

    sql, params, server_bound = sent
    with connection.cursor() as cursor:
        if server_bound:
            # As the server runs a prepared read: one plan for the statement, whatever the values.
            number = iter(range(1, len(params or ()) + 1))
            text = PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(number)}", sql)
            values = ", ".join(Literal(value).as_string(connection.connection) for value in params or ())
            cursor.execute(f"PREPARE bench_explain AS {text}")
            target = f"EXECUTE bench_explain({values})" if values else "EXECUTE bench_explain"
        else:
            target = query
        try:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {target}")
            plan = cursor.fetchone()[0]
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {target}")
            text = "\n".join(row[0] for row in cursor.fetchall())
            if server_bound:
                cursor.execute(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'bench_explain'"
                )
                generic, custom = cursor.fetchone()
        finally:
            if server_bound:
                cursor.execute("DEALLOCATE bench_explain")
    if isinstance(plan, str):
        plan = json.loads(plan)
    kind = "custom"
    if server_bound:
        kind = "generic, prepared" if generic and not custom else "custom, prepared"
    return plan[0], text, kind


def explain(targets: dict, out_dir: Path) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {}
    for name, target in targets.items():
        client = _client(target.get("officer"))
        for phase in ("cold", "warm"):
            sent = []
            _, sql = _capture(client, target["path"], sent=sent)
            if phase == "cold" and not target.get("explain_cold"):
                continue
            entries = []
            for i, query in enumerate(sql):
                # A read of several parts merged (UNION ALL) starts with its first part's "(SELECT".
                if not query.lstrip("( \n").upper().startswith("SELECT") or not _tables(query) & set(BIG_TABLES):
                    continue
                if "django_session" in _tables(query):
                    continue
                is_list = bool(re.search(r"\bLIMIT\b", query)) and "ORDER BY" in query
                plan, text, kind = _explained(query, sent[i])
                entry = {"query": i, "list": is_list, "plan": kind, **verdict(plan, is_list)}
                entries.append(entry)
                label = f"{name}.{phase}.q{i}"
                (out_dir / f"{label}.txt").write_text(
                    f"-- {name} ({target['path']}), {phase} request, query {i}"
                    f"{' (list query)' if is_list else ''}\n-- plan: {kind}"
                    f"\n-- verdict: {'OK' if entry['ok'] else entry['problems']}\n{query}\n\n{text}\n"
                )
            result[f"{name}{'' if phase == 'warm' else ' (cold)'}"] = {"path": target["path"], "queries": entries}
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", required=True, help="JSON file: {name: {path, officer?, explain_cold?}}")
    parser.add_argument("--explain-dir", help="Also EXPLAIN the list queries and save the plans here.")
    args = parser.parse_args(argv)
    _django()
    targets = json.loads(Path(args.targets).read_text())
    result = {"queries": count_queries(targets["queries"])}
    if args.explain_dir:
        result["explain"] = explain(targets["explain"], Path(args.explain_dir))
    print("RESULT " + json.dumps(result, default=str))


if __name__ == "__main__":
    main()
