"""Fixtures of the publishing tests: the fake networks, a channel on each, and
a way to publish a post the way the desk does."""

import pytest
from cryptography.fernet import Fernet
from django.utils import timezone

from incidents.services.posts import post_create_alert
from publishing.clients.bluesky import forget_sessions
from publishing.models import Delivery
from publishing.services import channel_create
from tests.publishing.fakes import FakeBluesky, FakeMastodon, FakeWebhook

# One key for the whole run; the crash test hands it to its worker processes.
TEST_SECRETS_KEY = Fernet.generate_key().decode()
SITE_URL = "https://blotter.example.org"
BODY = "Officers moved a broken-down van that blocked the bus lane on Main St. Buses run on time again."


@pytest.fixture(autouse=True)
def _publishing_settings(settings):
    settings.CHANNEL_SECRETS_KEY = [TEST_SECRETS_KEY]
    settings.SITE_URL = SITE_URL
    # Short, so that "timeout after sending" tests are quick (the fakes answer after 1 s).
    settings.PUBLISHING_HTTP_TIMEOUT = 0.4
    forget_sessions()
    yield
    forget_sessions()


@pytest.fixture
def mastodon():
    fake = FakeMastodon().start()
    yield fake
    fake.stop()


@pytest.fixture
def bluesky():
    fake = FakeBluesky().start()
    yield fake
    fake.stop()


@pytest.fixture
def webhook():
    fake = FakeWebhook().start()
    yield fake
    fake.stop()


@pytest.fixture
def mastodon_channel(precinct_a, mastodon):
    return channel_create(precinct=precinct_a, kind="mastodon", url=mastodon.url, secret=FakeMastodon.token)


@pytest.fixture
def bluesky_channel(precinct_a, bluesky):
    return channel_create(
        precinct=precinct_a, kind="bluesky", url=bluesky.url, handle=FakeBluesky.handle, secret=FakeBluesky.password
    )


@pytest.fixture
def webhook_channel(precinct_a, webhook):
    return channel_create(
        precinct=precinct_a, kind="webhook", url=webhook.url + "/hooks/blotter", secret=FakeWebhook.secret
    )


@pytest.fixture
def channels(mastodon_channel, bluesky_channel, webhook_channel):
    return {"mastodon": mastodon_channel, "bluesky": bluesky_channel, "webhook": webhook_channel}


@pytest.fixture
def fakes(mastodon, bluesky, webhook):
    return {"mastodon": mastodon, "bluesky": bluesky, "webhook": webhook}


@pytest.fixture
def publish(supervisor, precinct_a, django_capture_on_commit_callbacks):
    """Publish an alert as a supervisor; with `run`, the tasks queued on commit run (inline)."""

    def _publish(body=BODY, *, run=True):
        with django_capture_on_commit_callbacks(execute=run):
            return post_create_alert(acting_user=supervisor, precinct=precinct_a, body=body, publish_now=True)

    return _publish


def make_due(delivery: Delivery) -> None:
    """Skip the backoff: the delivery's next attempt may start now."""
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
