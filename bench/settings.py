"""The application's own settings, but for static files and two additions of the benchmark.

With DEBUG off, pages link static files through WhiteNoise's manifest, so the
files must be collected first; the benchmark collects them under
bench/.staticfiles/ rather than into the project's staticfiles/.
The URLconf is the application's, with the calibration pages appended after
every application URL (bench/urls.py, bench/calibration.py), and their
template directory is searched after the application's. Everything else comes
from the environment exactly as in production (see bench/run.py).
"""

from tracker.settings import *  # noqa: F403
from tracker.settings import BASE_DIR, TEMPLATES

STATIC_ROOT = BASE_DIR / "bench" / ".staticfiles"
ROOT_URLCONF = "bench.urls"
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]}, *TEMPLATES[1:]]
