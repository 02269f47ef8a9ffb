"""Time the leader's sync status with a large database.

    .venv/bin/python -m tests.bench                 # 1,000,000 visits, 100,000 sightings,
                                                    # 500 devices, in a fresh SQLite file
    .venv/bin/python -m tests.bench --visits 20000 --sightings 2000 --devices 50   # quick
    .venv/bin/python -m tests.bench --database-url postgresql://postgres@127.0.0.1/bench
                                                    # an EMPTY PostgreSQL database instead

It builds the database (schema by the real migrations, the product's durable SQLite pragmas,
SQLAlchemy Core executemany in transactions of 100,000 rows), signs in as a leader through the
real form with the Flask test client, then requests each of URLS (the status JSON and page,
the same with every device listed, the situation board) --repeat times (after --warmup
unmeasured ones), and prints the median and the 95th percentile of the server time in ms
(wall clock; the process's CPU time beside it), with the row counts and the build time.
The aim is a 95th percentile under 100 ms on SQLite. Nothing is asserted: figures only.
"""
import argparse
import gc
import os
import re
import statistics
import sys
import tempfile
import time

from flask_migrate import upgrade

AIM_MS = 100.0
# What is timed: the leader's sync status as it opens (every device needing attention, the
# first healthy ones), the same with every device listed, and the situation board when the
# app has one. Add pages here; each is also judged against the aim.
URLS = ["/api/v1/status", "/status", "/api/v1/status?all=1", "/status?all=1", "/board"]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `share` of values at or
    below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil without importing math
    return ordered[int(rank) - 1]


def sign_in(client, username: str, password: str) -> None:
    """Sign in through the real form (CSRF on)."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"username": username, "password": password,
                                         "csrf_token": token})
    if answer.status_code != 302:
        sys.exit(f"sign-in failed: HTTP {answer.status_code}")


def timed(client, url: str, repeat: int, warmup: int) -> dict:
    """Wall-clock and CPU milliseconds per request (after warm-up), and the size of the last
    answer. CPU time is this process's own work, whatever else a shared machine runs."""
    for _ in range(warmup):
        client.get(url)
    found = {"wall": [], "cpu": [], "size": 0}
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        answer = client.get(url)
        found["wall"].append((time.perf_counter() - wall) * 1000)
        found["cpu"].append((time.process_time() - cpu) * 1000)
        if answer.status_code != 200:
            sys.exit(f"{url}: HTTP {answer.status_code}")
        found["size"] = len(answer.get_data())
    gc.collect()  # each page pays for its own garbage, not the next one's
    return found


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--sightings", type=int, default=100_000)
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per URL")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured requests first")
    parser.add_argument("--database-url", help="an empty database to fill instead of a "
                                               "fresh SQLite file in a temporary folder")
    parser.add_argument("--skip-build", action="store_true", help="time the database at "
                        "--database-url as it is (e.g. one kept by --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() before timing, "
                        "as a server may do after start-up (full collections then skip the "
                        "app's own objects)")
    args = parser.parse_args(argv)

    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    from pwa import create_app
    from pwa.config import database_driver
    from pwa.extensions import db
    from tests.bench.build import PASSWORD, build, current_versions

    folder = tempfile.mkdtemp(prefix="tcd-bench-")
    url = database_driver(args.database_url or f"sqlite:///{folder}/bench.sqlite")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, instance_path=folder)
    with app.app_context():
        print(f"Database: {db.engine.url.render_as_string(hide_password=True)}")
        upgrade(directory=app.extensions["migrate"].directory)
        if args.skip_build:
            current_versions(app.config["APP_VERSION"])
        else:
            counts = build(visits=args.visits, sightings=args.sightings,
                           devices=args.devices, server_version=app.config["APP_VERSION"])
            print(f"Built in {counts['seconds']:.1f} s: {counts['visits']:,} visits, "
                  f"{counts['sightings']:,} sightings, {counts['devices']:,} devices, "
                  f"{counts['sync_problems']:,} sync problems, {counts['never_received']:,} "
                  f"numbers never received, {counts['users']:,} users")

    client = app.test_client()
    sign_in(client, "bench-leader", PASSWORD)
    gc.collect()  # the build's garbage is not the requests' to pay for
    if args.gc_freeze:
        gc.freeze()
    summary = client.get("/api/v1/status").get_json()["summary"]
    print(f"Status summary: {summary}")
    adapter = app.url_map.bind("localhost")
    urls = []
    for url in URLS:
        try:
            adapter.match(url.split("?")[0])
            urls.append(url)
        except Exception:  # noqa: BLE001 - a page this version of the app lacks
            print(f"GET {url:<21} (no such page here)")
    for url in urls:
        found = timed(client, url, args.repeat, args.warmup)
        wall, cpu = found["wall"], found["cpu"]
        p95 = percentile(wall, 0.95)
        print(f"GET {url:<21} n={len(wall)}  median {statistics.median(wall):6.1f} ms  "
              f"p95 {p95:6.1f} ms  (min {min(wall):.1f}, max {max(wall):.1f}; CPU median "
              f"{statistics.median(cpu):.1f}, p95 {percentile(cpu, 0.95):.1f})  "
              f"{found['size'] / 1024:.0f} KiB  p95 {'under' if p95 < AIM_MS else 'OVER'} "
              f"{AIM_MS:.0f} ms")
    if args.keep:
        print(f"Kept: {folder}")
    else:
        import shutil
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
