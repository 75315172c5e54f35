"""The city-scale benchmark: `make bench` (full) or `make bench-quick` (smoke run).

    .venv/bin/python bench/run.py [--sizes 10000,1000000] [--duration 10] [--quick]
                                  [--database-url postgres://…/openblotter_bench] [--keep]

For each size, smallest first, growing the same database by adding rows:
  1. loads the data set: 50 precincts with staff, incidents with follow-ups
     through `seed_demo --incidents` (a fifth of them in the busiest precinct,
     the rest spread over all 50), published posts for about 30 % of the
     incidents (bench/load.py, COPY); then VACUUM ANALYZE;
  2. counts the queries of each page in-process and EXPLAINs each list query
     (bench/inproc.py);
  3. starts gunicorn (3 sync workers) with the page cache off, then on
     (Redis), and drives it with wrk (1 thread, 8 connections), alternating the
     trivial view (/healthz) with each page; a page's ratio is its requests per
     second over the mean of the trivial runs just before and after it;
  4. checks that a published and a withdrawn post show at once with the cache on,
     and that an old ETag gets a 200 once --token-seconds (the server's
     PUBLIC_TOKEN_SECONDS, default 1) have passed.
Prints the table and writes it, with the plans, to bench/results/<timestamp>/.
"""

import argparse
import http.cookiejar
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/openblotter_bench"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/3"
BUSY = "midtown-north"  # a seed_demo precinct: its officer signs in to the desk
PASSWORD = "bench-pass-2026"  # noqa: S105 (the bench database's throwaway accounts)
PRECINCTS = 50
BUSY_SHARE = 0.21  # of each load into the busiest precinct (26 % of bulk incidents are open); the rest over the others
POSTS_PER_INCIDENT = 0.3
WORKERS = 3
CONNECTIONS = 8

# Ratio to the trivial view each page must reach (the targets).
TARGETS = {"off": 0.15, "cache": 0.5, "304": 0.65}
# The calibration ratios (another machine): bench/calibration.py serves the same three pages.
CALIBRATION = {"page": 0.12, "cached": 0.42, "conditional": 0.60}
# Which calibration page each mode's target was set against.
CALIBRATION_FOR_MODE = {"off": "page", "cache": "cached", "304": "conditional"}
DESK_TARGET = 0.10
P95_GROWTH_LIMIT = 1.5
# A page's run is repeated (up to RERUNS times) when the trivial runs before and after it differ by
# more than this share: the machine's own speed moved while the page was measured.
UNSTEADY = 0.10
RERUNS = 2
PUBLIC_QUERY_LIMIT = 5

# Settings the benchmark sets itself; taken out of the inherited environment first.
APP_ENV = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "CACHE_URL",
    "PUBLIC_PAGE_CACHE",
    "PUBLIC_TOKEN_SECONDS",
    "CELERY_BROKER_URL",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "DATABASE_CONN_MAX_AGE",
    "LOG_LEVEL",
    "API_ANON_RATE",
    "API_USER_RATE",
    "SESSION_IDLE_MINUTES",
    "TRUST_X_FORWARDED_PROTO",
)


def say(message: str) -> None:
    print(message, flush=True)


# --- environment, commands -------------------------------------------------------------


def base_env(database_url: str, secret_key: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in APP_ENV}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        DATABASE_CONN_MAX_AGE="600",
        LOG_LEVEL="WARNING",
        # All the load comes from one address (127.0.0.1): the API's rate
        # limits would answer 429 (anonymous clients are counted by address by
        # both the anon throttle, 120/minute, and the user throttle,
        # 600/minute). Both throttles still run (a cache read and write each
        # per request), with a one-second window.
        API_ANON_RATE="1000000/second",
        API_USER_RATE="1000000/second",
        PYTHONUNBUFFERED="1",
    )
    return env


def mode_env(env: dict, mode: str, cache_url: str) -> dict:
    env = dict(env)
    if mode == "off":
        env["PUBLIC_PAGE_CACHE"] = "0"
    else:
        env["CACHE_URL"] = cache_url
    return env


def run(cmd: list[str], env: dict, *, capture: bool = False) -> str:
    """Run a command in the project directory; its progress bars go straight to the terminal."""
    completed = subprocess.run(
        cmd, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE if capture else None, check=False
    )
    if completed.returncode != 0:
        raise SystemExit(f"Failed ({completed.returncode}): {' '.join(cmd)}")
    return completed.stdout or ""


def result_of(output: str) -> dict:
    for line in reversed(output.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise SystemExit("No RESULT line in:\n" + output[-2000:])


def manage(args: list[str], env: dict) -> None:
    run([PYTHON, "manage.py", *args], env)


def bench_script(module: str, args: list[str], env: dict) -> dict:
    return result_of(run([PYTHON, "-m", f"bench.{module}", *args], env, capture=True))


@contextmanager
def timed(timings: dict, name: str):
    started = time.monotonic()
    say(f"==> {name}")
    yield
    timings[name] = round(time.monotonic() - started, 1)
    say(f"    {name}: {timings[name]:.1f} s")


# --- database ------------------------------------------------------------------------------


def _connect(database_url: str, dbname: str | None = None):
    import psycopg

    parts = urllib.parse.urlsplit(database_url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=urllib.parse.unquote(parts.username or "postgres"),
        password=urllib.parse.unquote(parts.password) if parts.password else None,
        dbname=dbname or parts.path.lstrip("/"),
        autocommit=True,
    )


def prepare_database(database_url: str, keep: bool) -> None:
    name = urllib.parse.urlsplit(database_url).path.lstrip("/")
    with _connect(database_url, "postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not keep:
            if "bench" not in name:
                raise SystemExit(f"Refusing to drop {name!r}: the benchmark only drops databases named *bench*.")
            say(f"Dropping and re-creating database {name} (use --keep to reuse it).")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


# Disk a loaded incident takes with its follow-ups, posts and indexes (1.65 GB for 1,000,000), and
# the write-ahead log while loading: the benchmark stops before loading when the disk has less.
BYTES_PER_INCIDENT = 3000


def check_disk(database_url: str, largest: int) -> None:
    """Stop before loading when the database server's disk (if it is this machine's) cannot hold the data."""
    import psycopg

    try:
        with _connect(database_url, "postgres") as conn:
            data_directory = conn.execute("SHOW data_directory").fetchone()[0]
            have = conn.execute(
                "SELECT coalesce(pg_database_size(oid), 0) FROM pg_database WHERE datname = %s",
                [urllib.parse.urlsplit(database_url).path.lstrip("/")],
            ).fetchone()
    except psycopg.Error:  # not allowed to ask: nothing to check
        return
    if not os.path.isdir(data_directory):  # another machine's server
        return
    free = shutil.disk_usage(data_directory).free
    need = largest * BYTES_PER_INCIDENT - (have[0] if have else 0)
    if free < need:
        raise SystemExit(
            f"The database's disk ({data_directory}) has {free / 1e9:.1f} GB free; loading {largest:,} incidents "
            f"needs about {need / 1e9:.1f} GB. Free some space or measure smaller sizes (--sizes)."
        )


def vacuum_analyze(database_url: str) -> None:
    with _connect(database_url) as conn:
        conn.execute("VACUUM ANALYZE")


def incident_count(database_url: str) -> int:
    with _connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM incidents_incident").fetchone()[0]


def clear_cache(cache_url: str) -> None:
    """Forget the pages, their markers, numbers and throttle history this benchmark cached (never FLUSHALL)."""
    import redis

    client = redis.Redis.from_url(cache_url)
    for pattern in (":1:pub:*", ":1:stats:*", ":1:throttle_*"):
        keys = list(client.scan_iter(pattern, count=1000))
        for i in range(0, len(keys), 500):
            client.delete(*keys[i : i + 500])


# --- CPU accounting ---------------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from field 3 (state) on, or None once the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) and int(stat[1]) == pid:
            kids.append(int(entry))
    return kids


class Meter:
    """CPU seconds used by the server's processes: gunicorn, its PostgreSQL backends, Redis.

    The machine may be busy with other work, which slows every run; CPU time
    per request is what a run costs whatever else is running, so the ratio of
    CPU costs is a second, steadier measure of the same thing as the ratio of
    requests per second (on an idle, CPU-bound machine the two agree).
    """

    def __init__(self, master_pid: int, database_url: str, cache_url: str | None):
        self.master = master_pid
        self.conn = _connect(database_url)
        self.redis_pid = None
        if cache_url:
            import redis

            self.redis_pid = redis.Redis.from_url(cache_url).info("server").get("process_id")

    def snapshot(self) -> dict:
        pids = {"app": [self.master, *_children(self.master)]}
        pids["db"] = [
            row[0]
            for row in self.conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            )
        ]
        pids["redis"] = [self.redis_pid] if self.redis_pid else []
        seconds = {}
        for group, members in pids.items():
            for pid in members:
                if stat := _stat(pid):
                    seconds[(group, pid)] = (int(stat[11]) + int(stat[12])) / CLK_TCK
        return seconds

    @staticmethod
    def used(before: dict, after: dict) -> dict:
        groups = {"app": 0.0, "db": 0.0, "redis": 0.0}
        for key, value in after.items():
            groups[key[0]] += value - before.get(key, 0.0)
        return groups

    def close(self) -> None:
        self.conn.close()


@contextmanager
def redis_for_cache(cache_url: str):
    """The Redis at `cache_url`; if none answers there, a private redis-server for the run (stopped after)."""
    import redis

    def answers(url: str) -> bool:
        try:
            return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
        except redis.exceptions.ConnectionError:
            return False

    if answers(cache_url):
        yield cache_url
        return
    binary = shutil.which("redis-server")
    if not binary:
        raise SystemExit(f"No Redis answers at {cache_url} and redis-server is not installed.")
    port = free_port()
    url = f"redis://127.0.0.1:{port}/3"
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            if answers(url):
                break
            time.sleep(0.1)
        say(f"No Redis at {cache_url}: started a private one at {url} for this run.")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- server, client ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(env: dict, log_path: Path, database_url: str, cache_url: str | None = None):
    port = free_port()
    cmd = [
        PYTHON,
        "-m",
        "gunicorn",
        "tracker.wsgi:application",
        "--workers",
        str(WORKERS),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--timeout",
        "120",
    ]
    log = log_path.open("a")
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({process.returncode}); see {log_path}")
            try:
                if fetch(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not answer within 60 s; see {log_path}")
            time.sleep(0.2)
        meter = Meter(process.pid, database_url, cache_url)
        try:
            yield base, meter
        finally:
            meter.close()
    finally:
        # The group is gunicorn's own (start_new_session): its master and workers, nothing else.
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, headers: dict | None = None, timeout: float = 300) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def login(base: str, username: str, password: str) -> str:
    """Sign in through the login form (CSRF cookie and token); return the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    opener.open(base + "/accounts/login/", timeout=60).read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf, "next": "/desk/"}
    ).encode()
    request = urllib.request.Request(base + "/accounts/login/", data=data, headers={"Referer": base + "/"})
    try:
        opener.open(request, timeout=60)
    except urllib.error.HTTPError as exc:
        if exc.code != 302:
            raise SystemExit(f"Signing in as {username} answered {exc.code}.") from None
    session = next((c.value for c in jar if c.name == "sessionid"), None)
    if not session:
        raise SystemExit(f"Signing in as {username} gave no session cookie.")
    return session


# --- wrk -------------------------------------------------------------------------------------


def ensure_wrk() -> None:
    """wrk, from Debian's package: installed here when it is missing and this run may install packages (root)."""
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit("wrk is not installed: apt-get install wrk (Debian's package), then run again.")
    say("wrk is not installed: installing Debian's package (apt-get install -y wrk).")
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    quiet = {"env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, "stdout": subprocess.DEVNULL}
    if subprocess.run(install, **quiet, check=False).returncode != 0:
        # A fresh machine may not have read the package lists yet.
        subprocess.run(["apt-get", "update", "-q"], **quiet, check=False)
        subprocess.run(install, **quiet, check=False)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed and apt-get could not install it: apt-get install wrk, then run again.")


def wrk(url: str, duration: float, headers: dict | None = None, meter: Meter | None = None) -> dict:
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency", "--timeout", "30s"]
    cmd += ["-s", str(BENCH / "latency.lua")]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    cmd.append(url)
    load_before = os.getloadavg()[0]
    before = meter.snapshot() if meter else {}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120, check=False)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = Meter.used(before, meter.snapshot()) if meter else {}
    used["wrk"] = (children_after.ru_utime + children_after.ru_stime) - (children.ru_utime + children.ru_stime)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed: {out.stdout}\n{out.stderr}")
    data = json.loads(line[len("BENCH ") :])
    non_2xx = 0
    for ln in out.stdout.splitlines():
        if "Non-2xx or 3xx responses:" in ln:
            non_2xx = int(ln.split(":")[1])
    seconds = data["duration_us"] / 1e6
    return {
        "rps": round(data["requests"] / seconds, 1) if seconds else 0.0,
        "requests": data["requests"],
        "p50_ms": data["p50_us"] / 1000,
        "p95_ms": data["p95_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
        "max_ms": data["max_us"] / 1000,
        "errors": {k: v for k, v in data.items() if k.startswith("err_") and v}
        | ({"non_2xx": non_2xx} if non_2xx else {}),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "cpu_ms": {k: round(1000 * v / max(data["requests"], 1), 3) for k, v in used.items()},
    }


def wait_for_minute_room(duration: float) -> None:
    """Public ETags change with the minute: start a conditional run early enough in one."""
    left = 60 - time.time() % 60
    if left < duration + 3:
        time.sleep(left + 0.3)


def warm(base: str, items: list[dict]) -> None:
    """Fill each worker's caches (the first request of a process may be slow), then a short run."""
    for item in items:
        url = base + item["path"]
        threads = [threading.Thread(target=fetch, args=(url, item.get("headers"))) for _ in range(WORKERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wrk(url, 1, item.get("headers"))


def _invalid(run: dict) -> bool:
    """A run with errors (429, 500, timeouts) did not measure the page: it is not counted as met."""
    return sum(run.get("errors", {}).values()) > 0.001 * max(run.get("requests", 0), 1)


def _cpu_total(run: dict) -> float:
    return sum(run["cpu_ms"].values())


def alternate(base: str, meter: Meter, items: list[dict], duration: float, bar) -> tuple[list[dict], list[dict]]:
    """trivial, A, trivial, B, …, trivial; each page's ratio is to the mean of its two neighbours.

    When a page's two neighbours differ by more than UNSTEADY (the machine's speed moved during the
    page's run: a neighbour on the same host, a burst of I/O), the page is run again, with a new
    trivial run after it, up to RERUNS times; the run whose neighbours agreed best is kept, and the
    row says how many runs it took. The rule looks at the trivial view only, never at the page's
    own figures.
    """
    trivial_url = base + "/healthz"
    trivials = [wrk(trivial_url, duration, meter=meter)]
    bar.update(1)
    rows = []
    for item in items:
        bar.set_postfix_str(f"{item['mode']} {item['page']}")
        tries = []
        for attempt in range(1 + RERUNS):
            if attempt:
                bar.total += 2
                bar.refresh()
            result = _page_run(base, meter, item, duration)
            bar.update(1)
            trivials.append(wrk(trivial_url, duration, meter=meter))
            bar.update(1)
            before, after = trivials[-2:]
            spread = abs(before["rps"] - after["rps"]) / max(before["rps"], after["rps"], 1)
            tries.append((spread, result, before, after))
            if spread <= UNSTEADY:
                break
        spread, result, before, after = min(tries, key=lambda t: t[0])
        around = statistics.mean((before["rps"], after["rps"]))
        cpu_around = statistics.mean((_cpu_total(before), _cpu_total(after)))
        rows.append(
            {
                **item,
                **result,
                "runs": len(tries),
                "trivial_spread": round(spread, 3),
                "trivial_rps": round(around, 1),
                "ratio": round(result["rps"] / around, 3),
                "trivial_cpu_ms": round(cpu_around, 3),
                "cpu_ratio": round(cpu_around / _cpu_total(result), 3) if _cpu_total(result) else None,
            }
        )
    return rows, trivials


def _page_run(base: str, meter: Meter, item: dict, duration: float) -> dict:
    """One wrk run of a page; a conditional run sends the page's current ETag, and runs again
    if the minute (part of every public ETag) turned during it."""
    url = base + item["path"]
    headers = dict(item.get("headers") or {})
    for _attempt in range(3):
        if item.get("conditional"):
            wait_for_minute_room(duration)
            headers["If-None-Match"] = fetch(url)[1].get("ETag", "")
            if fetch(url, headers)[0] != 304:
                raise SystemExit(f"{item['path']} does not answer 304 to its own ETag.")
        result = wrk(url, duration, headers, meter)
        if not item.get("conditional") or fetch(url)[1].get("ETag") == headers["If-None-Match"]:
            break
    return result


# --- the benchmark ------------------------------------------------------------------------


def load_to(size: int, env: dict, database_url: str, timings: dict) -> dict:
    have = incident_count(database_url)
    need = size - have
    label = f"{size:,}"
    if need > 0:
        busy = round(need * BUSY_SHARE)
        with timed(timings, f"load {label}: {need:,} incidents, {busy:,} of them in {BUSY}"):
            args = ["incidents", "--busy", BUSY, "--busy-count", str(busy), "--others-count", str(need - busy)]
            say(json.dumps(bench_script("load", [*args, "--password", PASSWORD], env)))
    elif need < 0:
        say(f"The database already holds {have:,} incidents, more than {size:,}; measuring it as it is.")
    with timed(timings, f"load {label}: published posts (COPY)"):
        say(json.dumps(bench_script("load", ["posts", "--per-incident", str(POSTS_PER_INCIDENT)], env)))
    with timed(timings, f"load {label}: VACUUM ANALYZE"):
        vacuum_analyze(database_url)
    return bench_script("load", ["info", "--busy", BUSY], env)


def pages_for(info: dict) -> dict:
    busy = info["busy"]
    return {
        "timeline": f"/precincts/{busy}/",
        "timeline_deep": f"/precincts/{busy}/?before={info['deep_cursor']}",
        "report": f"/reports/{info['report_reference']}/",
        "feed": f"/precincts/{busy}/feed.atom",
        "api": f"/api/v1/precincts/{busy}/posts/",
        "desk": "/desk/",
    }


def inproc_targets(info: dict) -> dict:
    pages = pages_for(info)
    officer = info["officer"]
    queries = {name: {"path": path} for name, path in pages.items()}
    queries["desk"]["officer"] = officer
    explain = {
        "timeline": {"path": pages["timeline"], "explain_cold": True},
        "timeline_deep": {"path": pages["timeline_deep"]},
        "timeline_category": {"path": f"/precincts/{info['busy']}/?category={info['category']}"},
        "report": {"path": pages["report"]},
        "feed": {"path": pages["feed"]},
        "home_city": {"path": "/"},
        "feed_city": {"path": "/feed.atom"},
        "api": {"path": pages["api"]},
        "api_deep": {"path": f"{pages['api']}?cursor={urllib.parse.quote(info['api_deep_cursor'])}"},
        "api_city": {"path": "/api/v1/public-posts/"},
        "desk": {"path": "/desk/", "officer": officer},
        "desk_status": {"path": "/desk/?status=new", "officer": officer},
        "desk_posts": {"path": "/desk/posts/", "officer": info["supervisor"]},
        # A supervisor of the busiest precinct and two more: one ordered read per precinct, merged.
        "desk_several": {"path": "/desk/", "officer": info["several"]},
        "desk_several_status": {"path": "/desk/?status=new", "officer": info["several"]},
        "desk_posts_several": {"path": "/desk/posts/", "officer": info["several"]},
    }
    return {"queries": queries, "explain": explain}


def measure_size(size: int, info: dict, env: dict, args, out: Path, bar) -> dict:
    pages = pages_for(info)
    targets_file = out / f"targets-{size}.json"
    targets_file.write_text(json.dumps(inproc_targets(info), indent=2))
    say(f"==> {size:,}: queries per request and EXPLAIN")
    inproc = {
        "off": bench_script(
            "inproc",
            ["--targets", str(targets_file), "--explain-dir", str(out / f"plans-{size}")],
            mode_env(env, "off", args.cache_url),
        ),
        "cache": bench_script("inproc", ["--targets", str(targets_file)], mode_env(env, "cache", args.cache_url)),
    }
    public = ["timeline", "timeline_deep", "report", "feed", "api"]
    rows, trivials = [], {}
    log = out / "gunicorn.log"

    with gunicorn(mode_env(env, "off", args.cache_url), log, args.database_url) as (base, meter):
        session = login(base, info["officer"], PASSWORD)
        desk_headers = {"Cookie": f"sessionid={session}"}
        status, _, body = fetch(base + "/desk/", desk_headers)
        if status != 200 or b"incident" not in body.lower():
            raise SystemExit(f"The desk list answered {status} to the signed-in officer.")
        items = [{"mode": "off", "page": p, "path": pages[p]} for p in public]
        items.append({"mode": "off", "page": "desk", "path": "/desk/", "headers": desk_headers})
        check_pages(base, items)
        warm(base, items)
        got, trivials["off"] = alternate(base, meter, items, args.duration, bar)
        rows += got

    clear_cache(args.cache_url)
    with gunicorn(mode_env(env, "cache", args.cache_url), log, args.database_url, args.cache_url) as (base, meter):
        items = [{"mode": "cache", "page": p, "path": pages[p]} for p in public]
        check_pages(base, items)
        warm(base, items)
        conditional = []
        for p in public:
            if fetch(base + pages[p])[1].get("ETag"):
                conditional.append({"mode": "304", "page": p, "path": pages[p], "conditional": True})
            else:
                rows.append({"mode": "304", "page": p, "path": pages[p], "missing": "no ETag: never answers 304"})
                bar.update(2)
        calibration = [
            {
                "mode": "calibration",
                "page": name,
                "path": f"/bench-calibration/{info['busy_id']}/{name}/",
                "conditional": name == "conditional",
            }
            for name in CALIBRATION
        ]
        check_pages(base, calibration)
        warm(base, calibration)
        got, trivials["cache"] = alternate(base, meter, items + conditional + calibration, args.duration, bar)
        rows += got
        say(f"==> {size:,}: invalidation with the page cache on")
        invalidation = bench_script(
            "load",
            ["invalidation", "--busy", BUSY, "--base-url", base, "--revalidate-after", str(args.token_seconds)],
            mode_env(env, "cache", args.cache_url),
        )

    for row in rows:
        row["size"] = size
        if row["mode"] == "calibration":
            row["queries"] = 1  # the page: its one SQL query; cached and 304: the marker query
            row["target"] = CALIBRATION[row["page"]]
            row["met"] = None  # a reference, not a target
            continue
        q = inproc["off" if row["mode"] == "off" else "cache"]["queries"][row["page"]]
        row["queries"] = q.get("conditional_queries") if row["mode"] == "304" else q["queries"]
        row["target"] = DESK_TARGET if row["page"] == "desk" else TARGETS[row["mode"]]
        row["met"] = "ratio" in row and row["ratio"] >= row["target"] and not _invalid(row)
    return {"info": info, "inproc": inproc, "rows": rows, "trivials": trivials, "invalidation": invalidation}


def check_pages(base: str, items: list[dict]) -> None:
    for item in items:
        status, _, _ = fetch(base + item["path"], item.get("headers"))
        if status != 200:
            raise SystemExit(f"{item['path']} answered {status}, not 200.")


# --- report -----------------------------------------------------------------------------------


def table(rows: list[dict]) -> list[str]:
    head = (
        "| size | page | mode | req/s | p50 ms | p95 ms | p99 ms | queries | ratio | target | met? "
        "| CPU ms/req (app+db+redis+wrk) | CPU ratio | runs |"
    )
    lines = [head, "|" + "---|" * 14]
    for r in rows:
        if "missing" in r:
            lines.append(
                f"| {r['size']:,} | {r['page']} | {r['mode']} | – | – | – | – | – | – | ≥ {r['target']:.2f} | "
                f"**no** ({r['missing']}) | – | – | – |"
            )
            continue
        errors = f" (**invalid run**: {r['errors']})" if _invalid(r) else (f" ({r['errors']})" if r["errors"] else "")
        if r["mode"] == "calibration":
            target, met = f"(issue: {r['target']:.2f})", "reference"
        else:
            target, met = f"≥ {r['target']:.2f}", ("yes" if r["met"] else "**no**")
        cpu = r["cpu_ms"]
        parts = "+".join(f"{cpu.get(k, 0):.2f}" for k in ("app", "db", "redis", "wrk"))
        lines.append(
            f"| {r['size']:,} | {r['page']} | {r['mode']} | {r['rps']:,.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['queries']} | {r['ratio']:.2f} | {target} | "
            f"{met}{errors} | {_cpu_total(r):.2f} ({parts}) | "
            f"{r['cpu_ratio'] if r['cpu_ratio'] is not None else '–'} | {r.get('runs', 1)} |"
        )
    return lines


def trivial_lines(results: dict) -> list[str]:
    lines = [
        "| size | server | trivial runs (req/s) | mean | p95 ms (mean) | CPU ms/req (mean) | load average (mean) |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, res in results.items():
        for server, runs in res["trivials"].items():
            rps = ", ".join(f"{t['rps']:,.0f}" for t in runs)
            lines.append(
                f"| {int(size):,} | {server} | {rps} | {statistics.mean(t['rps'] for t in runs):,.0f} | "
                f"{statistics.mean(t['p95_ms'] for t in runs):.1f} | "
                f"{statistics.mean(_cpu_total(t) for t in runs):.3f} | "
                f"{statistics.mean(t['load_before'] for t in runs):.1f} |"
            )
    return lines


def growth_lines(results: dict) -> tuple[list[str], bool]:
    sizes = sorted(int(s) for s in results)
    if len(sizes) < 2:
        return [], True
    small, large = sizes[0], sizes[-1]

    def index(size):
        return {(r["page"], r["mode"]): r for r in results[size]["rows"] if "missing" not in r}

    a, b = index(small), index(large)
    lines = [
        f"| page | mode | p95 ms at {small:,} | p95 ms at {large:,} | growth | ≤ {P95_GROWTH_LIMIT} |",
        "|---|---|---|---|---|---|",
    ]
    ok = True
    for key in a:
        if key not in b:
            continue
        growth = b[key]["p95_ms"] / a[key]["p95_ms"] if a[key]["p95_ms"] else float("inf")
        met = growth <= P95_GROWTH_LIMIT
        if key[1] != "calibration":
            ok &= met
        lines.append(
            f"| {key[0]} | {key[1]} | {a[key]['p95_ms']:.1f} | {b[key]['p95_ms']:.1f} | {growth:.2f}× | "
            f"{('yes' if met else '**no**') if key[1] != 'calibration' else '(reference)'} |"
        )
    for server in ("off", "cache"):
        if server in results[small]["trivials"] and server in results[large]["trivials"]:
            p95a = statistics.mean(t["p95_ms"] for t in results[small]["trivials"][server])
            p95b = statistics.mean(t["p95_ms"] for t in results[large]["trivials"][server])
            lines.append(
                f"| trivial (mean) | {server} server | {p95a:.1f} | {p95b:.1f} | {p95b / p95a:.2f}× | (reference) |"
            )
    return lines, ok


def query_lines(results: dict) -> tuple[list[str], bool]:
    sizes = sorted(int(s) for s in results)
    lines = [
        "| page | " + " | ".join(f"off / cache / 304 at {s:,}" for s in sizes) + " | fixed? | ≤ 5 (public) |",
        "|---|" + "---|" * (len(sizes) + 2),
    ]
    ok = True
    for page in results[sizes[0]]["inproc"]["off"]["queries"]:
        cells, seen = [], set()
        for s in sizes:
            off = results[s]["inproc"]["off"]["queries"][page]
            cache = results[s]["inproc"]["cache"]["queries"][page]
            triple = (off["queries"], cache["queries"], cache.get("conditional_queries", "–"))
            seen.add(triple)
            cells.append(" / ".join(str(x) for x in triple))
        fixed = len(seen) == 1
        small = page == "desk" or all(max(x for x in t if isinstance(x, int)) <= PUBLIC_QUERY_LIMIT for t in seen)
        ok &= fixed and small
        lines.append(
            f"| {page} | {' | '.join(cells)} | {'yes' if fixed else '**no**'} | "
            f"{'n/a' if page == 'desk' else ('yes' if small else '**no**')} |"
        )
    return lines, ok


def explain_lines(results: dict) -> tuple[list[str], bool]:
    lines = [
        "| size | page | query | list? | plan | indexes | ms | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    ok = True
    for size, res in results.items():
        for page, entry in res["inproc"]["off"].get("explain", {}).items():
            for q in entry["queries"]:
                if q["list"]:
                    ok &= q["ok"]
                lines.append(
                    f"| {int(size):,} | {page} | q{q['query']} | {'yes' if q['list'] else 'no'} | {q['plan']} | "
                    f"{', '.join(q['indexes']) or '–'} | {q['execution_ms']:.2f} | "
                    f"{'OK' if q['ok'] else '**' + '; '.join(q['problems']) + '**'} |"
                )
    return lines, ok


def calibration_lines(results: dict) -> list[str]:
    """The calibration pages here against the issue's figures, and the targets scaled to match."""
    lines = [
        "| size | calibration page | ratio here | issue's ratio | factor | mode it calibrates | issue's target "
        "| target scaled by the factor |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size, res in results.items():
        here = {r["page"]: r["ratio"] for r in res["rows"] if r["mode"] == "calibration" and "ratio" in r}
        for mode, name in CALIBRATION_FOR_MODE.items():
            if name not in here:
                continue
            factor = here[name] / CALIBRATION[name]
            lines.append(
                f"| {int(size):,} | {name} | {here[name]:.2f} | {CALIBRATION[name]:.2f} | {factor:.2f} | {mode} | "
                f"≥ {TARGETS[mode]:.2f} | ≥ {TARGETS[mode] * factor:.2f} |"
            )
    return lines


def scaled_lines(results: dict) -> list[str]:
    """Each page's ratio against the target scaled by this machine's calibration factor."""
    lines = ["| size | page | mode | ratio | scaled target | met (scaled)? |", "|---|---|---|---|---|---|"]
    for size, res in results.items():
        here = {r["page"]: r["ratio"] for r in res["rows"] if r["mode"] == "calibration" and "ratio" in r}
        for r in res["rows"]:
            if r["mode"] == "calibration" or "ratio" not in r or r["page"] == "desk":
                continue
            name = CALIBRATION_FOR_MODE[r["mode"]]
            if name not in here:
                continue
            scaled = TARGETS[r["mode"]] * here[name] / CALIBRATION[name]
            lines.append(
                f"| {int(size):,} | {r['page']} | {r['mode']} | {r['ratio']:.2f} | ≥ {scaled:.2f} | "
                f"{'yes' if r['ratio'] >= scaled else '**no**'} |"
            )
    return lines


def report(results: dict, out: Path, args, timings: dict) -> str:
    every_row = [r for res in results.values() for r in res["rows"]]
    rows = [r for r in every_row if r["mode"] != "calibration"]
    growth, growth_ok = growth_lines(results)
    queries, queries_ok = query_lines(results)
    plans, plans_ok = explain_lines(results)
    invalidation_ok = all(res["invalidation"]["ok"] for res in results.values())
    ratios_ok = all(r.get("met") for r in rows)
    missed = sorted({f"{r['page']} ({r['mode']})" for r in rows if not r.get("met")})
    parts = [
        f"# Benchmark {out.name}",
        "",
        f"wrk -t1 -c{CONNECTIONS} -d{args.duration}s; gunicorn {WORKERS} sync workers; "
        f"sizes {', '.join(f'{int(s):,}' for s in results)}; nproc {os.cpu_count()}",
        "",
        "## Data",
        "",
        "| size | incidents | follow-ups | public posts | busiest precinct: incidents / open / posts | deep page at |",
        "|---|---|---|---|---|---|",
    ]
    for size, res in results.items():
        i = res["info"]
        parts.append(
            f"| {int(size):,} | {i['incidents']:,} | {i['followups']:,} | {i['public_posts']:,} | "
            f"{i['busy_incidents']:,} / {i['busy_open']:,} / {i['busy_posts']:,} | post {i['deep_offset']:,} |"
        )
    parts += [
        "",
        "## Throughput and latency (ratio = req/s over the trivial view's, same run)",
        "",
        *table(every_row),
        "",
        "## Calibration: the issue's three reference pages, measured here in the same runs",
        "",
        *calibration_lines(results),
        "",
        "## Ratios against the targets scaled by this machine's calibration",
        "",
        *scaled_lines(results),
    ]
    parts += ["", "## The trivial view (/healthz) in each server", "", *trivial_lines(results)]
    if growth:
        parts += ["", "## p95 growth from the smaller size to the larger", "", *growth]
    parts += ["", "## Queries per request (steady state)", "", *queries]
    parts += ["", "## EXPLAIN of the queries on the big tables (plans in plans-<size>/)", "", *plans]
    bound = "at once" if not args.token_seconds else f"after {args.token_seconds} s"
    parts += [
        "",
        f"## Invalidation with the page cache on (a change must show at once; an old ETag must get a 200 {bound})",
        "",
    ]
    for size, res in results.items():
        for c in res["invalidation"]["checks"]:
            parts.append(
                f"- {int(size):,}: {c['change']} post on {c['page']}: status {c['status']}, shown: "
                f"{c['shows_change']} (first request showing it sent {c.get('after_s', 0):.1f} s after the change; "
                f"the first rendering after a change may take longer), old ETag answered {c['old_etag_answer']} "
                f"→ {'OK' if c['ok'] else 'FAILED'}"
            )
    parts += ["", "## Load timings (s)", ""] + [f"- {k}: {v}" for k, v in timings.items()]
    parts += [
        "",
        "## Summary",
        "",
        f"- ratios: {'all met' if ratios_ok else 'MISSED: ' + ', '.join(missed)}",
        f"- p95 growth ≤ {P95_GROWTH_LIMIT}×: {'met' if growth_ok else 'MISSED'}",
        f"- queries fixed and ≤ {PUBLIC_QUERY_LIMIT} on public pages: {'met' if queries_ok else 'MISSED'}",
        f"- list queries use an index, no big sort: {'met' if plans_ok else 'MISSED'}",
        f"- invalidation: {'correct' if invalidation_ok else 'FAILED'}",
    ]
    return "\n".join(parts) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,1000000", help="Incident counts, measured in this order.")
    parser.add_argument("--duration", type=float, default=10, help="Seconds per wrk run.")
    parser.add_argument("--quick", action="store_true", help="Smoke run: 2,000 and 20,000 incidents, 3 s runs.")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--cache-url", default=DEFAULT_CACHE_URL, help="Redis for the cache-on runs (db ≥ 2).")
    parser.add_argument(
        "--token-seconds",
        type=int,
        default=1,
        metavar="SECONDS",
        help="The server's PUBLIC_TOKEN_SECONDS (default 1, as the application's): how long a revalidation "
        "may be answered from freshness tokens the process read earlier (0: every request reads Redis).",
    )
    parser.add_argument(
        "--keep", action="store_true", help="Reuse the bench database and its rows instead of re-creating it."
    )
    parser.add_argument(
        "--load-only", action="store_true", help="Load the data set for the sizes given, then stop (no measuring)."
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.duration = "2000,20000", 3
    sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(","))
    duration = args.duration
    args.duration = int(duration) if float(duration).is_integer() else duration

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = BENCH / "results" / stamp
    out.mkdir(parents=True)
    say(f"Results go to {out.relative_to(ROOT)}/")
    env = base_env(args.database_url, secrets.token_urlsafe(48))
    env["PUBLIC_TOKEN_SECONDS"] = str(args.token_seconds)
    timings: dict = {}

    ensure_wrk()
    with redis_for_cache(args.cache_url) as args.cache_url:
        run_all(args, sizes, env, out, timings)


def run_all(args, sizes: list[int], env: dict, out: Path, timings: dict) -> None:
    from tqdm import tqdm

    prepare_database(args.database_url, args.keep)
    check_disk(args.database_url, max(sizes))
    with timed(timings, "migrate"):
        manage(["migrate", "--noinput", "-v0"], env)
    with timed(timings, "collectstatic"):
        manage(["collectstatic", "--noinput", "-v0"], env)
    with timed(timings, "demo set, precincts and staff"):
        manage(["seed_demo", "--password", PASSWORD, "-v0"], env)
        say(json.dumps(bench_script("load", ["setup", "--precincts", str(PRECINCTS), "--password", PASSWORD], env)))

    results = {}
    for size in sizes:
        info = load_to(size, env, args.database_url, timings)
        say(json.dumps(info))
        if args.load_only:
            continue
        # trivial + 6 pages off; trivial + 5 cached, 5 conditional, 3 calibration: each with a trivial run after.
        with tqdm(total=1 + 2 * 6 + 1 + 2 * 13, desc=f"wrk at {size:,}", unit=" runs", file=sys.stderr) as bar:
            results[size] = measure_size(size, info, env, args, out, bar)
        (out / "results.json").write_text(json.dumps({str(k): v for k, v in results.items()}, indent=2, default=str))
    if args.load_only:
        say(f"Loaded {', '.join(f'{s:,}' for s in sizes)} incidents; measure with --keep.")
        return

    text = report(results, out, args, timings)
    (out / "results.md").write_text(text)
    print()
    print(text)
    say(f"Written to {out.relative_to(ROOT)}/results.md (plans in plans-<size>/).")


if __name__ == "__main__":
    main()
