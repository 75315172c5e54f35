"""Time one or more pages in-process against the trivial view, and optionally profile one.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=… python -m bench.profile timeline report
    python -m bench.profile desk --officer officer-midtown-north --profile desk

Uses Django's test client on the database and settings of the environment, so
it measures the application's own Python work (middleware, view, queries,
template) without gunicorn or the network. Pages: trivial, timeline,
timeline_deep, report, post, feed, feed_rss, api, home, stats, desk, or any
path starting with "/". The ratio is the trivial view's time over the page's,
the in-process counterpart of the benchmark's throughput ratio (which also
pays the server, the database's own CPU and wrk). Use it while working on a
page; the benchmark (bench/run.py) is the measurement of record.
"""

import argparse
import cProfile
import os
import pstats
import time


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


def _pages(precinct: str) -> dict:
    from incidents.models import Post, PostStatus

    post = (
        Post.objects.filter(status=PostStatus.PUBLISHED, precinct__slug=precinct, incident__isnull=False)
        .values_list("pk", "incident__reference")
        .order_by("-published_at")
        .first()
    )
    from incidents import public

    page = public.timeline_rows(precinct=public.public_precinct_row(precinct), category=None, cursor=None)
    return {
        "trivial": "/healthz",
        "home": "/",
        "timeline": f"/precincts/{precinct}/",
        "timeline_deep": f"/precincts/{precinct}/?before={page.next_cursor}" if page.has_next else None,
        "stats": f"/precincts/{precinct}/stats/",
        "report": f"/reports/{post[1]}/" if post else None,
        "post": f"/posts/{post[0]}/" if post else None,
        "feed": f"/precincts/{precinct}/feed.atom",
        "feed_rss": f"/precincts/{precinct}/feed.rss",
        "api": f"/api/v1/precincts/{precinct}/posts/",
        "desk": "/desk/",
    }


def _time(client, path: str, repeat: int) -> tuple[float, int, int]:
    for _ in range(max(5, repeat // 10)):
        response = client.get(path)
    started = time.perf_counter()
    for _ in range(repeat):
        client.get(path)
    return (time.perf_counter() - started) / repeat, response.status_code, len(response.content)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*", default=["timeline", "report", "feed", "api", "desk"])
    parser.add_argument("--precinct", default="midtown-north")
    parser.add_argument("--officer", default=None, help="Sign this user in (default: an officer of --precinct).")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--profile", metavar="PAGE", help="Also run cProfile on this page and print the top calls.")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    _django()

    from django.contrib.auth import get_user_model
    from django.test import Client

    from precincts.models import Membership

    anonymous = Client(HTTP_HOST="127.0.0.1")
    signed_in = Client(HTTP_HOST="127.0.0.1")
    officer = args.officer or (
        Membership.objects.filter(precinct__slug=args.precinct, role=Membership.Role.OFFICER)
        .order_by("pk")
        .values_list("user__username", flat=True)
        .first()
    )
    if officer:
        signed_in.force_login(get_user_model().objects.get(username=officer))
    pages = _pages(args.precinct)
    # As in the benchmark: the trivial view and the public pages without a session, the desk signed in.
    trivial, _, _ = _time(anonymous, pages["trivial"], args.repeat)
    print(f"{'trivial':14s} {trivial * 1000:7.2f} ms")
    for name in args.pages:
        path = name if name.startswith("/") else pages[name]
        if path is None:
            print(f"{name:14s} (nothing to show)")
            continue
        client = signed_in if path.startswith("/desk/") else anonymous
        took, status, size = _time(client, path, args.repeat)
        print(f"{name:14s} {took * 1000:7.2f} ms  ratio {trivial / took:5.2f}  HTTP {status}, {size:,} bytes  {path}")
    if args.profile:
        path = args.profile if args.profile.startswith("/") else pages[args.profile]
        client = signed_in if path.startswith("/desk/") else anonymous
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(100):
            client.get(path)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
