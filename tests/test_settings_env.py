"""Settings come from the environment; a value that cannot be understood stops start-up, naming the variable."""

import ast
import json
import os
import re
import secrets
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ENV_EXAMPLE = REPO / ".env.example"
KEY = secrets.token_hex(32)

# Starts Django the way every process does, and prints either the first line of the
# error that stopped it or the settings it ended up with.
PROBE = """
import json, sys
import django
try:
    django.setup()
except Exception as exc:
    print(f"START-UP FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(3)
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECRET_KEY": s.SECRET_KEY,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "DATABASE": {k: s.DATABASES["default"][k] for k in ("ENGINE", "NAME", "HOST", "PORT")},
    "DATABASE_OPTIONS": s.DATABASES["default"]["OPTIONS"],
    "CELERY_BROKER_URL": s.CELERY_BROKER_URL,
    "CELERY_TASK_ALWAYS_EAGER": s.CELERY_TASK_ALWAYS_EAGER,
    "CACHE_BACKEND": s.CACHES["default"]["BACKEND"],
    "SESSION_COOKIE_AGE": s.SESSION_COOKIE_AGE,
    "LOCKOUT_MINUTES": s.AXES_COOLOFF_TIME.total_seconds() / 60,
    "TIME_ZONE": s.TIME_ZONE,
}))
"""

PRODUCTION = {"DEBUG": "0", "SECRET_KEY": KEY}

# (id, environment on top of PRODUCTION (None removes a variable), the variable the message must name)
BAD = [
    ("debug-maybe", {"DEBUG": "maybe"}, "DEBUG"),
    ("no-secret-key", {"SECRET_KEY": None}, "SECRET_KEY"),
    ("blank-secret-key", {"SECRET_KEY": "   "}, "SECRET_KEY"),
    ("short-secret-key", {"SECRET_KEY": "too-short"}, "SECRET_KEY"),
    ("mysql", {"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ("database-garbage", {"DATABASE_URL": "garbage"}, "DATABASE_URL"),
    ("database-bad-port", {"DATABASE_URL": "postgres://u:p@db:notaport/blotter"}, "DATABASE_URL"),
    ("conn-max-age", {"DATABASE_CONN_MAX_AGE": "forever"}, "DATABASE_CONN_MAX_AGE"),
    ("broker-http", {"CELERY_BROKER_URL": "http://x"}, "CELERY_BROKER_URL"),
    ("broker-garbage", {"CELERY_BROKER_URL": "localhost:6379"}, "CELERY_BROKER_URL"),
    ("cache-memcached", {"CACHE_URL": "memcached://x"}, "CACHE_URL"),
    ("idle-abc", {"SESSION_IDLE_MINUTES": "abc"}, "SESSION_IDLE_MINUTES"),
    ("token-seconds-negative", {"PUBLIC_TOKEN_SECONDS": "-1"}, "PUBLIC_TOKEN_SECONDS"),
    ("token-seconds-words", {"PUBLIC_TOKEN_SECONDS": "one"}, "PUBLIC_TOKEN_SECONDS"),
    ("idle-zero", {"SESSION_IDLE_MINUTES": "0"}, "SESSION_IDLE_MINUTES"),
    ("lockout-too-short", {"LOGIN_LOCKOUT_MINUTES": "5"}, "LOGIN_LOCKOUT_MINUTES"),
    ("time-zone", {"TIME_ZONE": "Mars/Base"}, "TIME_ZONE"),
    ("site-url", {"SITE_URL": "ftp://blotter.example.org"}, "SITE_URL"),
    ("ssl-redirect", {"SECURE_SSL_REDIRECT": "sometimes"}, "SECURE_SSL_REDIRECT"),
    ("hsts", {"SECURE_HSTS_SECONDS": "-1"}, "SECURE_HSTS_SECONDS"),
    ("email-port", {"EMAIL_HOST": "smtp.example.org", "EMAIL_PORT": "smtp"}, "EMAIL_PORT"),
    ("log-level", {"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
    ("api-rate", {"API_ANON_RATE": "lots"}, "API_ANON_RATE"),
    (
        "prepared-reads",
        {"DATABASE_URL": "postgres://u:p@db:5432/blotter", "DATABASE_PREPARED_READS": "perhaps"},
        "DATABASE_PREPARED_READS",
    ),
]
GOOD = {
    "production": {
        **PRODUCTION,
        "ALLOWED_HOSTS": "blotter.example.org, www.blotter.example.org",
        "DATABASE_URL": "postgres://blotter:secret@db.internal:5432/blotter",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "CACHE_URL": "redis://127.0.0.1:6379/1",
        "SESSION_IDLE_MINUTES": "45",
        "LOGIN_LOCKOUT_MINUTES": "20",
        "TIME_ZONE": "Europe/Paris",
        "LOG_LEVEL": "WARNING",
    },
    "demo": {"DEBUG": "1", "SECRET_KEY": None},
    "lower-case-log-level": {**PRODUCTION, "LOG_LEVEL": "debug"},
    "url-options": {
        **PRODUCTION,
        "DATABASE_URL": "postgres://blotter:secret@db.internal:5432/blotter?sslmode=require&options=-c%20work_mem%3D8MB",
    },
    "no-prepared-reads": {
        **PRODUCTION,
        "DATABASE_URL": "postgres://blotter:secret@db.internal:5432/blotter",
        "DATABASE_PREPARED_READS": "0",
    },
}
KNOWN_BUGS: dict[str, str] = {}


def start(env: dict) -> subprocess.CompletedProcess:
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": "tracker.settings"}
    full.update({name: value for name, value in env.items() if value is not None})
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=full, capture_output=True, text=True, timeout=60
    )


@pytest.fixture(scope="module")
def started():
    """Every start-up of this module at once: each is a fresh process, so run them side by side."""
    cases = {case_id: {**PRODUCTION, **env} for case_id, env, _ in BAD}
    cases.update(GOOD)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = dict(zip(cases, pool.map(start, cases.values()), strict=True))
    return results


def failure(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("START-UP FAILED: ")]
    assert lines, f"start-up did not fail\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return lines[0]


def loaded(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("case_id", "variable"),
    [
        pytest.param(
            case_id,
            variable,
            id=case_id,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[case_id])] if case_id in KNOWN_BUGS else [],
        )
        for case_id, _, variable in BAD
    ],
)
def test_it_refuses_to_start_with_a_bad_value_naming_the_variable(started, case_id, variable):
    result = started[case_id]
    assert result.returncode != 0
    message = failure(result)
    assert "ImproperlyConfigured" in message
    assert variable in message


def test_it_starts_with_good_production_values(started):
    values = loaded(started["production"])
    assert values["DEBUG"] is False
    assert values["SECRET_KEY"] == KEY
    assert values["ALLOWED_HOSTS"] == ["blotter.example.org", "www.blotter.example.org"]
    assert values["DATABASE"] == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "blotter",
        "HOST": "db.internal",
        "PORT": 5432,
    }
    # Prepared reads: prepared at once and planned once (tracker.prepared); everything else bound on the client.
    assert values["DATABASE_OPTIONS"] == {"prepare_threshold": 0, "options": "-c plan_cache_mode=force_generic_plan"}
    assert values["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/0"
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False
    assert values["CACHE_BACKEND"] == "tracker.cache.RedisCache"
    assert values["SESSION_COOKIE_AGE"] == 45 * 60
    assert values["LOCKOUT_MINUTES"] == 20
    assert values["TIME_ZONE"] == "Europe/Paris"


def test_it_starts_the_demo_with_no_configuration_at_all(started):
    values = loaded(started["demo"])
    assert values["DEBUG"] is True
    assert values["DATABASE"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["CELERY_BROKER_URL"] is None
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True
    assert values["SESSION_COOKIE_AGE"] == 30 * 60
    assert values["LOCKOUT_MINUTES"] == 15
    assert values["TIME_ZONE"] == "America/New_York"


def test_it_accepts_a_lower_case_log_level(started):
    loaded(started["lower-case-log-level"])


def test_options_in_the_database_url_are_kept(started):
    """sslmode and the like come with the URL; prepared reads add theirs to the session options."""
    assert loaded(started["url-options"])["DATABASE_OPTIONS"] == {
        "sslmode": "require",
        "prepare_threshold": 0,
        "options": "-c work_mem=8MB -c plan_cache_mode=force_generic_plan",
    }


def test_prepared_reads_can_be_turned_off_for_a_transaction_pooler(started):
    """No prepared statements, no session option: what pgbouncer in transaction mode accepts."""
    assert loaded(started["no-prepared-reads"])["DATABASE_OPTIONS"] == {}


# --- .env.example documents every variable ------------------------------------------------


def variables_read_by_settings() -> set[str]:
    """Names passed to env_str/env_bool/env_int/env_list/env_url in tracker/settings.py."""
    tree = ast.parse((REPO / "tracker" / "settings.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id.startswith("env_")
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def test_it_finds_the_variables_settings_read():
    # Guards the test below against reading nothing and passing.
    names = variables_read_by_settings()
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "SESSION_IDLE_MINUTES", "TIME_ZONE"} <= names


@pytest.mark.xfail(not ENV_EXAMPLE.exists(), reason=".env.example not written yet", strict=False)
def test_it_documents_every_variable_in_env_example():
    documented = set(re.findall(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.M))
    missing = variables_read_by_settings() - documented
    assert not missing, f".env.example does not mention: {', '.join(sorted(missing))}"
