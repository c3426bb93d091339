"""Every page shows the hourly API budget, and warns before the account is locked out."""


def test_every_page_shows_the_budget_left_this_hour(editor_client):
    response = editor_client.get("/promo-codes/")  # the list and the campaign names: 2 requests
    page = response.content.decode()
    assert "API budget: 998 / 1000 this hour" in page
    assert "requests are left this hour" not in page


def test_a_low_budget_is_announced_before_it_runs_out(editor_client, sandbox, settings):
    settings.IMPACT_RATE_LIMIT_WARNING = 100
    settings.IMPACT_WRITE_RESERVE = 0  # reads may spend it all here (the reserve: tests/security/test_fair_budget.py)
    sandbox.rate_limit = 60  # the account has 60 requests an hour; the list and the campaign names leave 58
    page = editor_client.get("/promo-codes/?state=ACTIVE").content.decode()
    assert "Only 58 impact.com requests are left this hour" in page
    assert "budget-low" in page


def test_the_warning_threshold_comes_from_settings(editor_client, sandbox, settings):
    settings.IMPACT_RATE_LIMIT_WARNING = 10
    settings.IMPACT_WRITE_RESERVE = 0
    sandbox.rate_limit = 60
    page = editor_client.get("/promo-codes/?state=ACTIVE").content.decode()
    assert "requests are left this hour" not in page
