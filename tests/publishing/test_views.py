"""The desk: the supervisor's channel page, and deliveries on the post page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from publishing.models import Channel, Delivery, DeliveryStatus
from tests.conftest import login
from tests.publishing.fakes import FakeBluesky, FakeMastodon, FakeWebhook


def channels_url(slug="precinct-a"):
    return reverse("publishing:channel_list", args=[slug])


def action_url(channel, slug="precinct-a"):
    return reverse("publishing:channel_action", args=[slug, channel.pk])


def retry_url(delivery, slug="precinct-a"):
    return reverse("publishing:delivery_retry", args=[slug, delivery.pk])


# --- who may see it ----------------------------------------------------------------------------


def test_it_shows_the_precincts_channels_to_a_supervisor_without_their_secrets(supervisor_client, channels):
    response = supervisor_client.get(channels_url())

    assert response.status_code == 200
    content = response.content.decode()
    for channel in channels.values():
        assert channel.url in content
    assert f"@{FakeBluesky.handle}" in content
    for secret in (FakeMastodon.token, FakeBluesky.password, FakeWebhook.secret):
        assert secret not in content
    assert channels["mastodon"].secret_encrypted not in content


def test_it_forbids_the_channel_page_to_an_officer(officer_client, channels):
    assert officer_client.get(channels_url()).status_code == 403


def test_it_hides_the_channel_page_from_an_outsider(outsider_client, channels):
    assert outsider_client.get(channels_url()).status_code == 404


def test_it_sends_anonymous_visitors_to_sign_in(client, channels):
    response = client.get(channels_url())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_returns_404_for_a_channel_of_another_precinct_even_to_its_supervisor(
    outsider_client, channels, precinct_b
):
    # The outsider supervises precinct B; the channel is precinct A's.
    response = outsider_client.post(action_url(channels["mastodon"], slug="precinct-b"), {"action": "disable"})
    assert response.status_code == 404
    channels["mastodon"].refresh_from_db()
    assert channels["mastodon"].is_active


def test_it_forbids_an_officer_to_turn_a_channel_off(officer_client, channels):
    response = officer_client.post(action_url(channels["mastodon"]), {"action": "disable"})
    assert response.status_code == 403
    channels["mastodon"].refresh_from_db()
    assert channels["mastodon"].is_active


# --- what a supervisor does --------------------------------------------------------------------


def test_it_turns_a_channel_off_and_on(supervisor_client, supervisor, channels):
    channel = channels["webhook"]
    response = supervisor_client.post(action_url(channel), {"action": "disable"}, follow=True)
    channel.refresh_from_db()
    assert not channel.is_active
    assert channel.active_changed_by == supervisor
    assert "is off" in response.content.decode()

    supervisor_client.post(action_url(channel), {"action": "enable"})
    channel.refresh_from_db()
    assert channel.is_active


@pytest.mark.parametrize("kind", ["mastodon", "bluesky", "webhook"])
def test_it_sends_a_test_and_shows_the_result(supervisor_client, channels, fakes, kind):
    response = supervisor_client.post(action_url(channels[kind]), {"action": "test"}, follow=True)

    channel = Channel.objects.get(pk=channels[kind].pk)
    assert channel.last_test_ok is True, channel.last_test_message
    assert channel.last_test_message in response.content.decode()
    # A test posts nothing publicly.
    assert not fakes["mastodon"].statuses and not fakes["bluesky"].records
    assert not fakes["webhook"].events("post.published")
    if kind == "webhook":
        assert len(fakes["webhook"].events("ping")) == 1


def test_it_reports_a_failed_test(supervisor_client, channels, mastodon):
    mastodon.token = "rotated-on-the-server"
    response = supervisor_client.post(action_url(channels["mastodon"]), {"action": "test"}, follow=True)

    channel = Channel.objects.get(pk=channels["mastodon"].pk)
    assert channel.last_test_ok is False
    assert "refused the credentials (401)" in channel.last_test_message
    assert "usa-alert--error" in response.content.decode() or "refused the credentials" in response.content.decode()


def test_it_lists_failed_deliveries_and_retries_one(
    supervisor_client, publish, mastodon_channel, mastodon, django_capture_on_commit_callbacks
):
    mastodon.script.append("422")
    post = publish()
    delivery = Delivery.objects.get(post=post)
    page = supervisor_client.get(channels_url()).content.decode()
    assert "Validation failed" in page and retry_url(delivery) in page

    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor_client.post(retry_url(delivery))

    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(mastodon.statuses) == 1


def test_it_returns_to_the_post_after_a_retry_from_it(supervisor_client, publish, mastodon_channel, mastodon):
    mastodon.script.append("403")
    post = publish()
    delivery = Delivery.objects.get(post=post)
    post_url = reverse("desk:post_detail", args=[post.pk])

    response = supervisor_client.post(retry_url(delivery), {"next": post_url})
    assert response["Location"] == post_url
    response = supervisor_client.post(retry_url(delivery), {"next": "https://elsewhere.example/"})
    assert response["Location"] == channels_url()


def test_it_forbids_an_officer_to_retry(officer_client, publish, mastodon_channel, mastodon):
    mastodon.script.append("403")
    delivery = Delivery.objects.get(post=publish())
    assert officer_client.post(retry_url(delivery)).status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED


def test_it_hides_another_precincts_delivery_from_an_outsider(outsider_client, publish, mastodon_channel, mastodon):
    mastodon.script.append("403")
    delivery = Delivery.objects.get(post=publish())
    assert outsider_client.post(retry_url(delivery, slug="precinct-b")).status_code == 404
    assert outsider_client.post(retry_url(delivery)).status_code == 404


def test_it_keeps_the_channel_page_to_a_fixed_number_of_queries(supervisor_client, publish, channels, fakes):
    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert supervisor_client.get(channels_url()).status_code == 200
        return len(captured)

    fakes["mastodon"].script.append("422")
    publish()
    one = queries_for_page()
    fakes["mastodon"].script.extend(["422", "422"])
    fakes["bluesky"].script.extend(["403", "403"])
    publish()
    publish()

    assert queries_for_page() == one <= 10
    assert supervisor_client.get(channels_url()).content.decode().count("Retry<span") == 5


# --- the post page ---------------------------------------------------------------------------------


def test_it_shows_each_delivery_on_the_post_page(supervisor_client, publish, channels, fakes):
    fakes["webhook"].script.append("422")
    post = publish()

    page = supervisor_client.get(reverse("desk:post_detail", args=[post.pk])).content.decode()

    mastodon_delivery = Delivery.objects.get(post=post, channel=channels["mastodon"])
    webhook_delivery = Delivery.objects.get(post=post, channel=channels["webhook"])
    assert 'id="channels"' in page
    assert "Sent" in page and "Failed" in page
    assert mastodon_delivery.remote_url in page
    assert "Validation failed" in page
    assert retry_url(webhook_delivery) in page
    assert FakeWebhook.secret not in page


def test_it_shows_deliveries_to_an_officer_without_a_retry_button(request, publish, channels, fakes, officer, client):
    fakes["webhook"].script.append("422")
    post = publish()

    page = login(client, officer).get(reverse("desk:post_detail", args=[post.pk])).content.decode()

    assert "Validation failed" in page
    assert "/retry/" not in page
