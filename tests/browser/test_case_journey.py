"""The whole journey in a real browser: a police officer records and refers a case, the
coordinator decides and sends the person to a shelter, the shelter accepts, and the
auditor sees who did and who saw what."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


@pytest.mark.browser
def test_a_case_from_identification_to_a_shelter_place(page: Page) -> None:
    sign_in(page, "police@example.org")
    page.goto("/cases/new")
    page.get_by_label("Age band").select_option("24-26")
    page.get_by_label("Gender").select_option("female")
    page.get_by_label("Citizenship").select_option("MD")
    page.get_by_label("Forced labour", exact=True).check()
    page.get_by_label("Region").fill("North")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile(r"Case NRM-\d{4}-\w{8} recorded"))).to_be_visible()
    reference = page.locator("h1 .reference").inner_text()

    # An identifying note is refused and the user is told why.
    page.get_by_label("Indicator observed").select_option("CD-01")
    page.get_by_label("Note (optional)").fill("her phone is +373 69 123 456")
    page.get_by_role("button", name="Log indicator").click()
    expect(page.get_by_text("Remove personal identifiers")).to_be_visible()
    page.get_by_label("Indicator observed").select_option("CD-01")
    page.get_by_label("Note (optional)").fill("passport kept by the employer")
    page.get_by_role("button", name="Log indicator").click()
    expect(page.get_by_text("Indicator logged.")).to_be_visible()

    page.get_by_role("link", name="Record consent").click()
    page.get_by_label("Consent", exact=True).select_option("given")
    page.get_by_role("button", name="Record consent").click()
    page.get_by_role("link", name="Refer into the NRM").click()
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".page-head .stage")).to_have_text(
        "Referred, awaiting reasonable-grounds decision"
    )
    sign_out(page)

    sign_in(page, "coordinator@example.org")
    page.get_by_role("link", name="Reasonable-grounds decision to take").first.click()
    expect(page.locator("h1 .reference")).to_have_text(reference)
    page.get_by_role("link", name="Record the reasonable-grounds decision").click()
    page.get_by_label("Positive").check()
    page.get_by_label("Reason").fill("Consistent account of debt bondage and confiscation.")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".page-head .stage")).to_have_text("Recovery and reflection period")
    page.get_by_role("link", name="Refer to a service").click()
    page.get_by_label("Service").select_option("shelter")
    page.get_by_role("button", name="Show providers").click()
    page.get_by_label(re.compile("Safe Harbour")).check()
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_text("Referral sent.")).to_be_visible()
    sign_out(page)

    sign_in(page, "ngo@example.org")
    expect(page.locator(".main-nav .count")).to_have_text("1")
    page.get_by_role("link", name="Referral waiting for your answer").click()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("Accepted, in progress")).to_be_visible()
    sign_out(page)

    sign_in(page, "auditor@example.org")
    page.goto(f"/cases/{reference}/viewers")
    for email in ("police@example.org", "coordinator@example.org", "ngo@example.org"):
        expect(page.get_by_role("cell", name=email)).to_be_visible()
    page.goto("/audit/chain")
    page.get_by_role("button", name="Verify now").click()
    expect(page.get_by_text("Intact")).to_be_visible()
