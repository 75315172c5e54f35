"""An officer on a phone logs a resident's report and follows it up to resolved."""

import pytest

from incidents.models import FollowUp, Incident, Status
from tests.browser.conftest import axe_violations, sign_in

pytestmark = pytest.mark.browser


def test_an_officer_logs_a_report_and_resolves_it_on_a_phone(phone_page, officer, category, password):
    page = phone_page
    sign_in(page, officer.username, password)
    page.wait_for_url("**/desk/")
    assert axe_violations(page) == []

    page.goto("/desk/incidents/new/")
    page.get_by_label("Category").select_option(label=category.name)
    page.get_by_label("What happened (public summary)").fill("Car parked across a driveway since morning")
    page.get_by_label("Where (public, block level)").fill("300 block of Oak Ave")
    page.get_by_label("Reporter's name").fill("Samira Haddad")
    page.get_by_label("Reporter's phone").fill("(212) 555-0177")
    page.get_by_label("Exact address (private)").fill("312 Oak Ave")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Log report").click()

    page.get_by_text("logged. Give the resident this reference.").wait_for()
    incident = Incident.objects.get(reporter_name="Samira Haddad")
    assert page.url.endswith(f"/desk/incidents/{incident.reference}/")
    assert axe_violations(page) == []

    page.get_by_label("Change status").select_option(label="Investigating")
    page.get_by_label("Note (internal)").fill("Called the tow desk.")
    page.get_by_role("button", name="Record follow-up").click()
    page.get_by_text("Follow-up recorded.").wait_for()

    page.get_by_label("Change status").select_option(label="Resolved")
    page.get_by_label("Outcome (when closing)").select_option(label="Ticket or summons issued")
    page.get_by_label("Public note (shown on the report's public page)").fill("The car was ticketed and moved.")
    page.get_by_role("button", name="Record follow-up").click()
    # Closing the report drafts its public post, and the officer lands on it (test_post_review_journey.py).
    page.get_by_text("A public post was drafted for you").wait_for()

    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert incident.outcome == "summons"
    assert FollowUp.objects.filter(incident=incident).count() == 3
    page.get_by_role("link", name=f"Report {incident.reference}").click()
    page.wait_for_url(f"**/desk/incidents/{incident.reference}/")
    assert page.locator(".desk-status").first.inner_text() == "Resolved"
