"""Repeated GETs of one URL over keep-alive connections, from a process of its own: latency and throughput.

wrk does it when installed (`apt-get install wrk`); otherwise this module's own client, run as
`python -m bench.measure URL CONNECTIONS SECONDS [HEADERS_JSON]`, with one thread and one HTTP/1.1 connection per
client.
Either way the result is {"requests", "seconds", "rps", "p50_ms", "p95_ms", "p99_ms", "errors"}.
"""

import http.client
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

# wrk's done() hook: the figures in microseconds, on one line we can find among wrk's own output.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def tool() -> str:
    return "wrk" if shutil.which("wrk") else "python"


def measure(url: str, connections: int, seconds: float, warmup: float, headers: dict | None = None) -> dict:
    """Warm up for `warmup` seconds, then measure for `seconds`; `headers` sent with each request."""
    if warmup:
        _run(url, connections, warmup, headers or {})
    return _run(url, connections, seconds, headers or {})


def _run(url: str, connections: int, seconds: float, headers: dict) -> dict:
    if tool() == "wrk":
        return _wrk(url, connections, seconds, headers)
    output = subprocess.run(
        [sys.executable, "-m", "bench.measure", url, str(connections), str(seconds), json.dumps(headers)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output)


def _wrk(url: str, connections: int, seconds: float, headers: dict) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        threads = min(connections, 2)
        # wrk's default 2 s timeout would count a slow page as an error; a page that slow is a result.
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "120s"]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        command += ["-s", script.name, url]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    requests, duration_us, p50, p95, p99, errors = (int(field) for field in line.split()[1:])
    return _result(requests, duration_us / 1e6, p50 / 1000, p95 / 1000, p99 / 1000, errors)


def _result(requests: int, seconds: float, p50: float, p95: float, p99: float, errors: int) -> dict:
    return {
        "requests": requests,
        "seconds": round(seconds, 3),
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "p50_ms": round(p50, 2),
        "p95_ms": round(p95, 2),
        "p99_ms": round(p99, 2),
        "errors": errors,
    }


def _client(url: str, headers: dict, deadline: float, latencies: list[float], errors: list[int]) -> None:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
        except (OSError, http.client.HTTPException):
            errors.append(0)
            connection.close()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            continue
        latencies.append(time.perf_counter() - started)
    connection.close()


def main(argv: list[str]) -> None:
    url, connections, seconds = argv[0], int(argv[1]), float(argv[2])
    headers = json.loads(argv[3]) if len(argv) > 3 else {}
    latencies: list[float] = []
    errors: list[int] = []
    started = time.monotonic()
    threads = [
        threading.Thread(target=_client, args=(url, headers, started + seconds, latencies, errors))
        for _ in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if len(latencies) < 2:
        latencies = latencies * 2 or [0.0, 0.0]
    cuts = statistics.quantiles(latencies, n=100)
    result = _result(len(latencies), elapsed, cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000, len(errors))
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
