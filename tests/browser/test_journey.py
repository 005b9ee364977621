"""Journeys through the real interface in Chromium: sign-in, navigation, forms, language."""

import re

import pytest
from playwright.sync_api import Page, expect

from referral.core.demo import DEMO_PASSWORD
from tests.browser.conftest import sign_in
from tests.conftest import ROLE_EMAILS

pytestmark = pytest.mark.browser

POLICE = ROLE_EMAILS["police"]
ADMIN = ROLE_EMAILS["admin"]
SIGN_IN_URL = re.compile(r"/auth/login(\?.*)?$")


def expect_sign_in_page(page: Page) -> None:
    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


@pytest.mark.browser
def test_partner_signs_in_sees_their_role_and_signs_out(page: Page):
    page.goto("/")
    expect_sign_in_page(page)

    page.get_by_label("Email").fill(POLICE)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    identity = page.locator(".site-header .identity")
    expect(identity.locator(".who")).to_have_text(POLICE)
    expect(identity.locator(".org")).to_have_text("Central District Police")
    expect(identity.locator(".role")).to_have_text("Police officer")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Roles and permissions"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Roles and permissions")
    table = page.get_by_role("table", name="What each role may do")
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader", name="Police officer")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect_sign_in_page(page)
    expect(page.get_by_text("You have signed out.")).to_be_visible()

    page.goto("/")
    expect_sign_in_page(page)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


@pytest.mark.browser
def test_language_switch_translates_the_interface(page: Page):
    page.goto("/auth/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")

    page.get_by_label("Language").select_option(label="Русский")
    page.get_by_role("button", name="Change").click()

    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Войти")


@pytest.mark.browser
def test_admin_creates_an_organisation_and_sees_a_field_error(page: Page):
    sign_in(page, ADMIN)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner organisations")
    page.get_by_role("link", name="New organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New organisation")

    page.get_by_role("button", name="Save").click()
    name_field = page.locator(".field", has=page.get_by_label("Name", exact=True))
    expect(name_field.locator(".error")).to_be_visible()
    expect(name_field.locator(".error")).not_to_be_empty()
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text("Please correct the highlighted fields.")

    page.get_by_label("Name", exact=True).fill("Northern Women's Shelter")
    page.get_by_label("Type").select_option(label="Non-governmental organisation")
    page.get_by_label("Shelter", exact=True).check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Organisation created.")).to_be_visible()
    row = page.get_by_role("row").filter(
        has=page.get_by_role("link", name="Northern Women's Shelter", exact=True)
    )
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Non-governmental organisation")
    expect(row).to_contain_text("Shelter")


@pytest.mark.browser
def test_pages_work_without_javascript(page_without_javascript: Page):
    page = page_without_javascript
    page.goto("/")
    expect_sign_in_page(page)

    sign_in(page, POLICE)
    expect(page.locator(".identity .role")).to_have_text("Police officer")

    page.get_by_role("button", name="Sign out").click()
    expect_sign_in_page(page)
    page.goto("/")
    expect_sign_in_page(page)


@pytest.mark.browser
def test_no_request_leaves_the_machine(page: Page, live_server: str):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto("/")
    sign_in(page, POLICE)
    page.get_by_role("link", name="Roles and permissions").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Roles and permissions")
    page.get_by_role("button", name="Sign out").click()
    expect_sign_in_page(page)

    assert any(url.endswith(".css") for url in requested), requested
    outside = [url for url in requested if not url.startswith(f"{live_server}/")]
    assert outside == [], f"requests left the machine: {outside}"
