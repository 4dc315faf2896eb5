"""DuckDB's side of the tallies, run by the peers' venv (var/bench/peers-venv), never by the project's:

    var/bench/peers-venv/bin/python bench/duck.py JOB.json

JOB: {"database": path, "setup": [SQL, ...], "queries": {name: SQL}, "repeat": n}. The setup statements run once
each, timed (loading the CSV files, say); then each query runs once unmeasured and `repeat` times measured.
Prints {"setup_seconds": [...], "results": {name: {"times_ms": [...], "rows": [[...], ...]}}} as JSON.
This file imports nothing of the project: DuckDB is the peer a researcher would use on the same CSV files.
"""

import json
import sys
import time

import duckdb


def main(job_path: str) -> None:
    with open(job_path) as stream:
        job = json.load(stream)
    db = duckdb.connect(job["database"])
    setup_seconds = []
    for statement in job.get("setup", []):
        started = time.perf_counter()
        db.execute(statement)
        setup_seconds.append(time.perf_counter() - started)
    results = {}
    for name, query in job.get("queries", {}).items():
        rows = db.execute(query).fetchall()
        times = []
        for _ in range(job.get("repeat", 1)):
            started = time.perf_counter()
            db.execute(query).fetchall()
            times.append((time.perf_counter() - started) * 1000)
        results[name] = {"times_ms": times, "rows": rows}
    db.close()
    print(json.dumps({"setup_seconds": setup_seconds, "results": results}, default=str))


if __name__ == "__main__":
    main(sys.argv[1])
