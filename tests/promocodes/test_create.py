"""promo_code_create through Django's test client, on the embedded sandbox."""

from __future__ import annotations

import html
import re

import pytest
from helpers import HTMX, upstream_requests

CREATE_URL = "/promo-codes/new/"
FIRST_NEW_ID = 7000161  # the sandbox numbers new codes from here
VALID = {
    "campaign_id": "1000",
    "assigned_partner_id": "2552842",  # Wile E. Coyote Facebook, joined to campaign 1000
    "code": "NEWCODE1",
    "type": "LI",
    "credit_policy": "INVOLVED",
}


def with_changes(**changes) -> dict:
    data = {**VALID, **changes}
    return {name: value for name, value in data.items() if value is not None}


def creates_sent(sandbox) -> list:
    return upstream_requests(sandbox, "POST", "/PromoCodes")


def field_error(body: str, name: str) -> str:
    match = re.search(rf'<small class="field-error" id="id_{name}_error">(.*?)</small>', body, re.S)
    return html.unescape(match.group(1)) if match else ""


def input_value(body: str, name: str) -> str | None:
    tag = re.search(rf'<input\b[^>]*\bname="{name}"[^>]*>', body)
    assert tag, f"no input named {name}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else None


def chosen(body: str, name: str) -> str | None:
    """What a select or an input named `name` holds, as the browser would submit it."""
    select = re.search(rf'<select\b[^>]*\bname="{name}"[^>]*>(.*?)</select>', body, re.S)
    if select is None:
        return input_value(body, name)
    option = re.search(r'<option value="([^"]*)"[^>]*\bselected\b', select.group(1))
    return option.group(1) if option else None


def checked(body: str, name: str) -> str | None:
    for tag in re.findall(rf'<input\b[^>]*\bname="{name}"[^>]*>', body):
        if re.search(r"\bchecked\b", tag):
            return re.search(r'\bvalue="([^"]*)"', tag).group(1)
    return None


def test_it_shows_an_empty_form(editor_client, sandbox):
    response = editor_client.get(CREATE_URL)

    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>New promo code</h1>" in body
    assert chosen(body, "campaign_id") in (None, "")
    assert checked(body, "type") == "LI"
    assert checked(body, "credit_policy") == "INVOLVED"
    assert creates_sent(sandbox) == []


def test_it_prefills_the_campaign_from_the_query(editor_client):
    body = editor_client.get(CREATE_URL, {"campaign_id": "1001"}).content.decode()

    assert chosen(body, "campaign_id") == "1001"


def test_it_ignores_a_campaign_in_the_query_that_is_not_an_id(editor_client):
    response = editor_client.get(CREATE_URL, {"campaign_id": "abc"})

    assert response.status_code == 200
    assert chosen(response.content.decode(), "campaign_id") in (None, "")


def test_it_creates_the_code_and_redirects_to_it(editor_client, sandbox):
    response = editor_client.post(CREATE_URL, VALID)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/promo-codes/{FIRST_NEW_ID}/"
    [sent] = creates_sent(sandbox)
    assert sent.form == {
        "AssignedPartnerId": ["2552842"],
        "CampaignId": ["1000"],
        "CreditPolicy": ["INVOLVED"],
        "Code": ["NEWCODE1"],
        "Type": ["LI"],
    }

    page = editor_client.get(response.headers["Location"]).content.decode()
    assert "Created promo code NEWCODE1." in page
    assert '<span class="code">NEWCODE1</span>' in page


def test_the_success_message_is_shown_once(editor_client):
    detail = editor_client.post(CREATE_URL, VALID, follow=True)
    assert "Created promo code NEWCODE1." in detail.content.decode()

    again = editor_client.get(f"/promo-codes/{FIRST_NEW_ID}/")
    assert "Created promo code NEWCODE1." not in again.content.decode()


def test_it_sends_the_days_as_business_time_zone_moments(editor_client, sandbox):
    editor_client.post(CREATE_URL, with_changes(start_date="2026-11-01", end_date="2026-11-01"))

    [sent] = creates_sent(sandbox)
    assert sent.form["StartDate"] == ["2026-11-01T00:00:00-07:00"]
    assert sent.form["EndDate"] == ["2026-11-01T23:59:59-08:00"]


def test_it_sends_the_deal_and_the_regex_type(editor_client, sandbox):
    response = editor_client.post(
        CREATE_URL,
        with_changes(code=r"^ANVIL\d{3}$", type="RE", credit_policy="WINNER", deal_id="401", deal_name="Spring promo"),
    )

    assert response.status_code == 302
    [sent] = creates_sent(sandbox)
    assert sent.form["Code"] == [r"^ANVIL\d{3}$"]
    assert sent.form["Type"] == ["RE"]
    assert sent.form["CreditPolicy"] == ["WINNER"]
    assert sent.form["DealId"] == ["401"]
    assert sent.form["DealName"] == ["Spring promo"]


def test_an_htmx_create_answers_with_hx_redirect(editor_client, sandbox):
    response = editor_client.post(CREATE_URL, VALID, **HTMX)

    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/promo-codes/{FIRST_NEW_ID}/"
    assert len(creates_sent(sandbox)) == 1


# --- errors found locally: nothing is sent, and what was typed stays -----------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"campaign_id": None}, "campaign_id", "This field is required."),
        ({"assigned_partner_id": ""}, "assigned_partner_id", "This field is required."),
        ({"code": "   "}, "code", "This field is required."),
        ({"type": "XX"}, "type", "Select a valid choice. XX is not one of the available choices."),
        ({"credit_policy": "SOMETIMES"}, "credit_policy", "Select a valid choice."),
        ({"campaign_id": "abc"}, "campaign_id", "Enter a number, like 1000."),
        ({"assigned_partner_id": "12.5"}, "assigned_partner_id", "Enter a number, like 1000."),
        ({"deal_id": "four"}, "deal_id", "Enter a number, like 1000."),
        ({"assigned_partner_id": "0"}, "assigned_partner_id", "Enter a positive number."),
        ({"start_date": "2026-12-01", "end_date": "2026-11-30"}, "end_date", "The end date is before the start date."),
        ({"start_date": "2026-02-30"}, "start_date", "Enter a date as YYYY-MM-DD."),
        ({"type": "RE", "code": "^(SUMMER"}, "code", "This is not a valid regular expression"),
        ({"code": "NEW CODE"}, "code", "Exact codes cannot contain spaces."),
        ({"code": "NEW\x07CODE"}, "code", "Remove the invisible or control characters."),
        ({"code": "N" * 256}, "code", "at most 255 characters"),
    ],
)
def test_a_local_error_is_shown_beside_the_field_and_nothing_is_sent(editor_client, sandbox, changes, field, message):
    response = editor_client.post(CREATE_URL, with_changes(**changes))

    assert response.status_code == 422
    body = response.content.decode()
    assert message in field_error(body, field)
    assert "Please correct the fields marked below." in body
    assert creates_sent(sandbox) == []


def test_a_local_error_keeps_what_was_typed(editor_client):
    data = with_changes(
        type="RE",
        code="^(SUMMER",
        credit_policy="WINNER",
        start_date="2026-12-01",
        end_date="2026-12-31",
        deal_name="Summer",
    )
    body = editor_client.post(CREATE_URL, data).content.decode()

    assert input_value(body, "code") == "^(SUMMER"
    assert chosen(body, "campaign_id") == "1000"
    assert chosen(body, "assigned_partner_id") == "2552842"
    assert checked(body, "type") == "RE"
    assert checked(body, "credit_policy") == "WINNER"
    assert input_value(body, "start_date") == "2026-12-01"
    assert input_value(body, "end_date") == "2026-12-31"
    assert input_value(body, "deal_name") == "Summer"


def test_an_htmx_local_error_returns_the_form_fragment(editor_client, sandbox):
    response = editor_client.post(CREATE_URL, with_changes(code=""), **HTMX)

    assert response.status_code == 422
    body = response.content.decode()
    assert "<html" not in body
    assert body.strip().startswith('<form id="promo-code-form"')
    assert "This field is required." in field_error(body, "code")
    assert creates_sent(sandbox) == []


def test_focus_lands_on_the_first_field_to_fix_in_page_order(editor_client):
    """htmx focuses what has autofocus: one element, the first marked field as the page shows them
    (campaign before code, although the form declares code first)."""
    body = editor_client.post(CREATE_URL, with_changes(campaign_id="abc", code=""), **HTMX).content.decode()

    focused = re.findall(r'<(?:input|select|div|section)\b[^>]*\bautofocus\b[^>]*>', body)
    assert len(focused) == 1
    assert 'name="campaign_id"' in focused[0]


# --- errors impact.com reports: beside the matching field -------------------------------------------


def test_a_partner_not_joined_to_the_campaign_is_reported_beside_the_partner(editor_client, sandbox):
    # Zoë's Deals (2553399) is joined to campaigns 1001 and 1002 only.
    response = editor_client.post(CREATE_URL, with_changes(assigned_partner_id="2553399"))

    assert response.status_code == 422
    body = response.content.decode()
    assert "impact.com: Partner 2553399 is not joined to campaign 1000" in field_error(body, "assigned_partner_id")
    assert field_error(body, "code") == ""
    assert len(creates_sent(sandbox)) == 1
    assert input_value(body, "code") == "NEWCODE1"


def test_a_duplicate_active_code_is_caught_before_anything_is_sent(editor_client, sandbox):
    response = editor_client.post(CREATE_URL, with_changes(code="welcome10"))

    assert response.status_code == 422
    body = response.content.decode()
    error = field_error(body, "code")
    assert 'An active code <a href="/promo-codes/7000151/">WELCOME10</a> (id 7000151) already exists' in error
    assert input_value(body, "code") == "welcome10"
    assert creates_sent(sandbox) == []


def test_a_duplicate_only_impact_com_sees_is_reported_beside_the_code(editor_client, sandbox):
    # Someone creates the code between promoadmin's duplicate check and the create: the check's list
    # call answers before that (no active codes), impact.com's create after it.
    sandbox.inject_fault(body='{"PromoCodes": [], "@page": "1", "@numpages": "1", "@total": "0"}')

    response = editor_client.post(CREATE_URL, with_changes(code="welcome10"))

    assert response.status_code == 422
    body = response.content.decode()
    assert "impact.com: An ACTIVE promo code with this value already exists in this campaign" in field_error(
        body, "code"
    )
    assert input_value(body, "code") == "welcome10"
    assert len(creates_sent(sandbox)) == 1


def test_a_closed_campaign_is_reported_beside_the_campaign(editor_client, sandbox):
    response = editor_client.post(CREATE_URL, with_changes(campaign_id="1004"))

    assert response.status_code == 422
    assert "Campaign 1004 is CLOSED" in field_error(response.content.decode(), "campaign_id")


def test_a_deal_of_another_campaign_is_reported_beside_the_deal(editor_client, sandbox):
    response = editor_client.post(CREATE_URL, with_changes(deal_id="411", deal_name="x"))

    assert response.status_code == 422
    assert "Deal 411 belongs to another campaign" in field_error(response.content.decode(), "deal_id")


def test_the_same_code_can_be_created_only_once(editor_client, sandbox):
    assert editor_client.post(CREATE_URL, VALID).status_code == 302

    second = editor_client.post(CREATE_URL, VALID)

    assert second.status_code == 422
    assert "already exists" in field_error(second.content.decode(), "code")


def test_put_is_not_allowed(editor_client, sandbox):
    response = editor_client.put(CREATE_URL, VALID)

    assert response.status_code == 405
    assert creates_sent(sandbox) == []
