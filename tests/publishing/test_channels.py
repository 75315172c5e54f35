"""Channels: secrets encrypted at rest, `add_channel`, the admin, the settings checks."""

import io
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from incidents.services.errors import Refused
from publishing import secrets
from publishing.checks import check_channel_secrets_key
from publishing.models import Channel
from publishing.services import channel_create
from tests.factories import UserFactory
from tests.publishing.processes import BASE_DIR


def raw_secret_column(channel) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_encrypted FROM publishing_channel WHERE id = %s", [channel.pk])
        return cursor.fetchone()[0]


# --- secrets --------------------------------------------------------------------------------------


def test_it_stores_a_secret_encrypted_and_reads_it_back(mastodon_channel):
    stored = raw_secret_column(mastodon_channel)
    assert stored and "mastodon-access-token" not in stored
    assert Channel.objects.get(pk=mastodon_channel.pk).get_secret() == "mastodon-access-token"
    assert "mastodon-access-token" not in repr(mastodon_channel) + str(mastodon_channel)


def test_it_reads_secrets_written_with_an_older_key_after_rotation(mastodon_channel, settings):
    old_key = settings.CHANNEL_SECRETS_KEY[0]
    settings.CHANNEL_SECRETS_KEY = [Fernet.generate_key().decode(), old_key]
    assert Channel.objects.get(pk=mastodon_channel.pk).get_secret() == "mastodon-access-token"


def test_it_says_so_when_no_key_opens_a_secret(mastodon_channel, settings):
    settings.CHANNEL_SECRETS_KEY = [Fernet.generate_key().decode()]
    with pytest.raises(secrets.SecretsUnavailable, match="Enter the secret again"):
        Channel.objects.get(pk=mastodon_channel.pk).get_secret()


def test_it_refuses_to_store_a_secret_without_a_key_when_debug_is_off(precinct_a, settings):
    settings.CHANNEL_SECRETS_KEY = []
    settings.DEBUG = False
    with pytest.raises(Refused, match="set CHANNEL_SECRETS_KEY"):
        channel_create(precinct=precinct_a, kind="mastodon", url="https://mastodon.example", secret="t")
    assert not Channel.objects.exists()


def test_it_derives_a_key_from_the_secret_key_in_debug(precinct_a, settings):
    settings.CHANNEL_SECRETS_KEY = []
    settings.DEBUG = True
    channel = channel_create(precinct=precinct_a, kind="mastodon", url="https://mastodon.example", secret="tok")
    assert Channel.objects.get(pk=channel.pk).get_secret() == "tok"
    assert "tok" not in raw_secret_column(channel)


def test_it_reports_a_malformed_key_as_a_system_check_error(settings):
    settings.CHANNEL_SECRETS_KEY = ["not-a-fernet-key"]
    [error] = check_channel_secrets_key(None)
    assert error.id == "publishing.E001"
    settings.CHANNEL_SECRETS_KEY = []
    assert check_channel_secrets_key(None) == []


def test_it_passes_the_deploy_check_with_debug_off_and_no_key():
    # A clean environment, as production has: nothing from the test settings.
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(
        DEBUG="0",
        SECRET_KEY="a-deploy-check-secret-key-that-is-long-enough-0123456789",
        ALLOWED_HOSTS="blotter.example.org",
        DJANGO_SETTINGS_MODULE="tracker.settings",
        DATABASE_URL="sqlite:///:memory:",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- channel_create rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "url", "handle", "secret", "message"),
    [
        ("mastodon", "http://mastodon.example", "", "t", "https://"),
        ("mastodon", "not a url", "", "t", "full web address"),
        ("bluesky", "https://bsky.social", "", "p", "handle"),
        ("webhook", "https://hooks.example/blotter", "", "", "shared secret"),
        ("x", "https://x.example", "", "t", "Choose one of"),
    ],
)
def test_it_refuses_a_channel_it_could_not_use(precinct_a, kind, url, handle, secret, message):
    with pytest.raises(Refused, match=message):
        channel_create(precinct=precinct_a, kind=kind, url=url, handle=handle, secret=secret)


def test_it_refuses_the_same_channel_twice(precinct_a, mastodon_channel, mastodon):
    with pytest.raises(Refused, match="already has that channel"):
        channel_create(precinct=precinct_a, kind="mastodon", url=mastodon.url, secret="another")


# --- add_channel (a contract command) ------------------------------------------------------------


def run_add_channel(*args, stdin: str = "") -> str:
    out = io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command("add_channel", *args, stdout=out)
    finally:
        sys.stdin = old_stdin
    return out.getvalue()


@pytest.mark.parametrize(
    ("kind", "options", "secret"),
    [
        ("mastodon", ["--url", "https://mastodon.example", "--token", "tok-123"], "tok-123"),
        (
            "bluesky",
            ["--url", "https://bsky.social", "--handle", "precinct.bsky.social", "--password", "abcd-efgh"],
            "abcd-efgh",
        ),
        ("webhook", ["--url", "https://hooks.example/blotter", "--secret", "s3cret-value"], "s3cret-value"),
    ],
)
def test_add_channel_adds_each_kind_with_its_secret_encrypted(precinct_a, kind, options, secret):
    output = run_add_channel("--precinct", "precinct-a", "--kind", kind, *options)

    channel = Channel.objects.get(precinct=precinct_a, kind=kind)
    assert f"Added {kind} channel {channel.pk}" in output
    assert secret not in output
    assert channel.get_secret() == secret and secret not in raw_secret_column(channel)
    assert channel.is_active


def test_add_channel_reads_the_secret_from_standard_input(precinct_a):
    run_add_channel(
        "--precinct",
        "precinct-a",
        "--kind",
        "mastodon",
        "--url",
        "https://m.example",
        "--token",
        "-",
        stdin="from-stdin\n",
    )
    assert Channel.objects.get().get_secret() == "from-stdin"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--precinct", "nowhere", "--kind", "mastodon", "--url", "https://m.example", "--token", "t"], "No precinct"),
        (["--precinct", "precinct-a", "--kind", "mastodon", "--url", "https://m.example"], "needs --token"),
        (
            ["--precinct", "precinct-a", "--kind", "webhook", "--url", "https://h.example", "--token", "t"],
            "takes --secret, not --token",
        ),
        (["--precinct", "precinct-a", "--kind", "bluesky", "--url", "https://b.example", "--password", "p"], "handle"),
        (["--precinct", "precinct-a", "--kind", "mastodon", "--url", "http://m.example", "--token", "t"], "https://"),
    ],
)
def test_add_channel_explains_what_is_wrong(precinct_a, args, message):
    with pytest.raises(CommandError, match=message):
        run_add_channel(*args)
    assert not Channel.objects.exists()


# --- the admin --------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin, backend="precincts.backends.StaffBackend")
    return client


def test_the_admin_never_shows_a_channels_secret(admin_client, channels):
    pages = [admin_client.get(reverse("admin:publishing_channel_changelist")).content.decode()]
    for channel in channels.values():
        pages.append(admin_client.get(reverse("admin:publishing_channel_change", args=[channel.pk])).content.decode())
    for page in pages:
        for secret in ("mastodon-access-token", "abcd-efgh-ijkl-mnop", "webhook-shared-secret"):
            assert secret not in page
        for channel in channels.values():
            assert channel.secret_encrypted not in page


def test_the_admin_adds_a_channel_with_its_secret_encrypted(admin_client, precinct_a):
    response = admin_client.post(
        reverse("admin:publishing_channel_add"),
        {"precinct": precinct_a.pk, "kind": "webhook", "url": "https://hooks.example/in", "secret": "typed-once"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = Channel.objects.get()
    assert channel.get_secret() == "typed-once"
    assert "typed-once" not in raw_secret_column(channel)


def test_the_admin_keeps_the_secret_when_the_field_is_left_blank(admin_client, webhook_channel):
    response = admin_client.post(
        reverse("admin:publishing_channel_change", args=[webhook_channel.pk]),
        {
            "precinct": webhook_channel.precinct_id,
            "kind": "webhook",
            "url": webhook_channel.url,
            "name": "Agency hook",
            "is_active": "on",
            "secret": "",
        },
    )
    assert response.status_code == 302
    webhook_channel.refresh_from_db()
    assert webhook_channel.name == "Agency hook"
    assert webhook_channel.get_secret() == "webhook-shared-secret"


def test_the_admin_refuses_a_secret_without_a_key_when_debug_is_off(admin_client, precinct_a, settings):
    settings.CHANNEL_SECRETS_KEY = []
    settings.DEBUG = False
    response = admin_client.post(
        reverse("admin:publishing_channel_add"),
        {"precinct": precinct_a.pk, "kind": "webhook", "url": "https://hooks.example/in", "secret": "typed-once"},
    )
    assert response.status_code == 200
    assert "CHANNEL_SECRETS_KEY" in response.content.decode()
    assert not Channel.objects.exists()


def test_the_admin_lists_deliveries_read_only(admin_client, publish, mastodon_channel):
    publish()
    response = admin_client.get(reverse("admin:publishing_delivery_changelist"))
    assert response.status_code == 200
    assert admin_client.get(reverse("admin:publishing_delivery_add")).status_code == 403
