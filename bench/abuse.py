"""Benchmark: a partner's ordinary members query while anonymous clients abuse the server.

    .venv/bin/python -m bench.abuse [--samples 400] [--port 8765]

Issue 12's proof. The real server (`network serve`, uvicorn, one process) runs on the
benchmark dataset (`bench.generate`, built first if missing) with its logs written to a file.
The partner's members query (20 members, 5 contacts each, their cohorts) is timed alone on the
quiet server, then again while another process runs anonymous abusers of every kind at once:

  slow      bodies trickled one byte at a time (the read timeout must cut them off)
  huge      bodies over the limit, announced (Content-Length) and streamed (chunked)
  aliases   alias floods (hundreds of aliases of one field)
  distinct  distinct large valid documents (each one new: parser and validation caches miss)
  cost      cost floods (nested connections asking for 100 of each)
  signin    portal sign-ins with unknown email addresses (argon2 must not be paid for them)

Targets (one run): the partner query's p99 under abuse at most 2x its quiet p99; the server's
resident memory within +100 MB of its quiet size; the server's log output under 1 MB for the
whole run. The figures go to BENCHMARKS.md; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from redis import Redis

from bench.generate import DEFAULT_URL, Spec, ensure, tokens_for

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")

PARTNER_QUERY = """
query Members($first: Int!) {
  members(first: $first) {
    totalCount
    edges {
      node {
        id name country
        contacts(first: 5) { edges { node { id firstName lastName } } }
        cohorts { id name }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# Two full pages of members with a full page of contacts each: about 2 x 100 x 101, over the
# per-request maximum (and priced before anything, even authentication, is looked at).
COST_FLOOD = """
{ a: members(first: 100) { edges { node { id cohorts { id name }
    contacts(first: 100) { edges { node { id email firstName lastName } } } } } }
  b: members(first: 100, after: "x") { edges { node { id cohorts { id name }
    contacts(first: 100) { edges { node { id email firstName lastName } } } } } } }
"""


def alias_flood(count: int = 300) -> str:
    """One query with `count` aliases of one field: under the token limit, over the alias limit."""
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


def distinct_document(rng: random.Random) -> str:
    """A large valid document never seen before (random aliases and variable names)."""
    tag = rng.getrandbits(64)
    parts = [f"m{tag}x{i}: members(first: 1) {{ totalCount }}" for i in range(rng.randint(8, 14))]
    return f"query Q{tag} {{ {' '.join(parts)} }}"


# --- the server -----------------------------------------------------------------------------


@dataclass
class Server:
    """A `network serve` process and where its log goes."""

    process: subprocess.Popen[bytes]
    log: Path
    base: str

    def rss_mb(self) -> float:
        """Resident set size now."""
        return _status_kb(self.process.pid, "VmRSS") / 1024

    def peak_mb(self) -> float:
        """The highest resident set size so far."""
        return _status_kb(self.process.pid, "VmHWM") / 1024

    def log_bytes(self) -> int:
        """Bytes the server has logged (stdout and stderr)."""
        return self.log.stat().st_size


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def start_server(port: int, log: Path) -> Server:
    """Start the API on the benchmark database and wait until /readyz says ready."""
    Redis.from_url(REDIS_URL).flushdb()
    env = {
        **os.environ,
        "DATABASE_URL": DEFAULT_URL,
        "REDIS_URL": REDIS_URL,
        "ENVIRONMENT": "development",
        "BASE_URL": f"http://127.0.0.1:{port}",
    }
    # The dataset may predate the newest migration (it is kept while its rows are current).
    subprocess.run([str(BIN / "network"), "migrate"], env=env, check=True, cwd=ROOT)
    handle = log.open("wb")
    process = subprocess.Popen(
        [str(BIN / "network"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: see {log}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                return Server(process, log, base)
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"the server did not become ready: see {log}")


# --- the timed client -----------------------------------------------------------------------


async def sample(base: str, token: str, count: int, warm_up: int) -> list[float]:
    """Latencies (ms) of `count` sequential partner queries after `warm_up` untimed ones."""
    body = orjson.dumps({"query": PARTNER_QUERY, "variables": {"first": 20}})
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    times: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for index in range(warm_up + count):
            started = time.perf_counter()
            answer = await client.post("/graphql", content=body, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            payload = answer.json()
            if answer.status_code != 200 or payload.get("errors"):
                raise RuntimeError(f"partner query failed: {answer.status_code} {answer.text}")
            if index >= warm_up:
                times.append(elapsed)
    return times


def p99(values: list[float]) -> float:
    """The 99th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * len(ordered)) - 1)]


# --- the abusers (another process) ----------------------------------------------------------


async def _slow_body(host: str, port: int, tally: Counter[str]) -> None:
    """Announce a body, then trickle it a byte at a time until the server gives up on us."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(
            b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n"
        )
        await writer.drain()
        while True:
            writer.write(b" ")
            await writer.drain()
            with contextlib.suppress(TimeoutError):
                head = await asyncio.wait_for(reader.read(64), timeout=0.5)
                tally["slow:" + (head.split(b" ")[1].decode() if head else "closed")] += 1
                return
    except (ConnectionError, OSError):
        tally["slow:reset"] += 1
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()


async def _huge_streamed(client: httpx.AsyncClient, tally: Counter[str]) -> None:
    async def chunks() -> Any:
        for _ in range(64):
            yield b"x" * 65536

    try:
        answer = await client.post("/graphql", content=chunks())
        tally[f"huge-chunked:{answer.status_code}"] += 1
    except httpx.HTTPError:
        tally["huge-chunked:closed"] += 1


async def _post(client: httpx.AsyncClient, kind: str, tally: Counter[str], **kwargs: Any) -> None:
    try:
        answer = await client.post(**kwargs)
    except httpx.HTTPError:
        tally[f"{kind}:closed"] += 1
        return
    code = str(answer.status_code)
    if answer.headers.get("content-type", "").startswith("application/json"):
        errors = answer.json().get("errors") or []
        if errors:
            code += "/" + str((errors[0].get("extensions") or {}).get("code"))
    tally[f"{kind}:{code}"] += 1


async def abuse(base: str, stop: Any, ready: Any, results: Any) -> None:
    """Every kind of abuser at once, until `stop` is set; the tally goes to `results`."""
    host, port = base.removeprefix("http://").split(":")
    tally: Counter[str] = Counter()
    rng = random.Random(12)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    async with (
        httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client,
        httpx.AsyncClient(base_url=base, timeout=30) as signer,
    ):
        # The sign-in form's CSRF token, with the session cookie it belongs to (kept by signer).
        page = (await signer.get("/portal/login")).text
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        json_headers = {"content-type": "application/json"}
        huge = b'{"query": "' + b" " * 2_000_000 + b'"}'

        def body(query: str) -> bytes:
            return orjson.dumps({"query": query})

        kinds: dict[str, Callable[[], Awaitable[None]]] = {
            "slow": lambda: _slow_body(host, int(port), tally),
            "huge": lambda: _post(
                client, "huge", tally, url="/graphql", content=huge, headers=json_headers
            ),
            "huge-chunked": lambda: _huge_streamed(client, tally),
            "aliases": lambda: _post(
                client,
                "aliases",
                tally,
                url="/graphql",
                content=body(alias_flood()),
                headers=json_headers,
            ),
            "distinct": lambda: _post(
                client,
                "distinct",
                tally,
                url="/graphql",
                content=body(distinct_document(rng)),
                headers=json_headers,
            ),
            "cost": lambda: _post(
                client,
                "cost",
                tally,
                url="/graphql",
                content=body(COST_FLOOD),
                headers=json_headers,
            ),
            "signin": lambda: _post(
                signer,
                "signin",
                tally,
                url="/portal/login",
                data={
                    "csrf": csrf,
                    "email": f"nobody{rng.getrandbits(32)}@example.org",
                    "password": "guess",
                },
            ),
        }
        connections = {"slow": 20}  # each slow body holds a connection; the rest loop on one

        async def loop(run: Callable[[], Awaitable[None]]) -> None:
            while not stop.is_set():
                await run()

        tasks = [
            asyncio.create_task(loop(run))
            for kind, run in kinds.items()
            for _ in range(connections.get(kind, 1))
        ]
        ready.set()
        await asyncio.to_thread(stop.wait)  # a multiprocessing Event, waited on in a thread
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    results.put(dict(tally))


def _abuse_process(base: str, stop: Any, ready: Any, results: Any) -> None:
    asyncio.run(abuse(base, stop, ready, results))


# --- the run --------------------------------------------------------------------------------


async def run(samples: int, warm_up: int, port: int) -> dict[str, Any]:
    """Quiet samples, then samples under abuse; memory and log figures of the server."""
    await ensure(DEFAULT_URL, Spec(), if_missing=True, quiet=True)
    token = tokens_for(Spec().seed).partner
    log = Path(tempfile.mkdtemp(prefix="abuse-")) / "server.log"
    server = start_server(port, log)
    try:
        quiet = await sample(server.base, token, samples, warm_up)
        quiet_rss = server.rss_mb()
        context = multiprocessing.get_context("spawn")
        stop, ready, results = context.Event(), context.Event(), context.Queue()
        abuser = context.Process(target=_abuse_process, args=(server.base, stop, ready, results))
        abuser.start()
        ready.wait(30)
        abused = await sample(server.base, token, samples, warm_up)
        stop.set()
        tally = results.get(timeout=60)
        abuser.join(30)
        return {
            "quiet": quiet,
            "abused": abused,
            "quiet_rss": quiet_rss,
            "peak_rss": server.peak_mb(),
            "end_rss": server.rss_mb(),
            "log_bytes": server.log_bytes(),
            "log": str(log),
            "tally": tally,
        }
    finally:
        server.process.terminate()
        server.process.wait(10)


def report(figures: dict[str, Any]) -> str:
    """The figures as the lines BENCHMARKS.md quotes."""
    quiet, abused = figures["quiet"], figures["abused"]
    ratio = p99(abused) / p99(quiet)
    lines = [
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.python_version()}, "
        f"{os.cpu_count()} cores",
        f"partner members query, {len(quiet)} samples each:",
        f"  quiet   median {statistics.median(quiet):7.1f} ms  p99 {p99(quiet):7.1f} ms",
        f"  abused  median {statistics.median(abused):7.1f} ms  p99 {p99(abused):7.1f} ms",
        f"  p99 ratio {ratio:.2f}x (target <= 2x)",
        f"server memory: quiet {figures['quiet_rss']:.0f} MB, peak {figures['peak_rss']:.0f} MB "
        f"(+{figures['peak_rss'] - figures['quiet_rss']:.0f} MB; target <= +100 MB), "
        f"end {figures['end_rss']:.0f} MB",
        f"server log: {figures['log_bytes']:,} bytes for the whole run (target < 1,000,000) "
        f"in {figures['log']}",
        "abusive requests answered (kind:status[/code]):",
    ]
    lines += [f"  {key:<40} {count:>7,}" for key, count in sorted(figures["tally"].items())]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, run, print."""
    parser = argparse.ArgumentParser(prog="python -m bench.abuse", description=__doc__)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--warm-up", type=int, default=20)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    figures = asyncio.run(run(args.samples, args.warm_up, args.port))
    print(report(figures))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
