"""The words the create form, the detail page and the bulk review show, as plain functions."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from django.test import override_settings

from promoadmin.impact.errors import ImpactError
from promoadmin.impact.records import Deal
from promoadmin.promocodes import presenters
from promoadmin.promocodes.budget import Budget
from promoadmin.promocodes.checks.regex import RegexTrial, Sample
from promoadmin.promocodes.lookups import Lookup


def pickers(**overrides):
    """The state presenters.deal_hint reads from lookups.pickers()."""
    state = {"deal_unknown": False, "deal_select": False, "deal": None, "deals": None, "deal_id": None,
             "campaign": None, "waiting_for_campaign": False}
    return SimpleNamespace(**{**state, **overrides})


def test_an_unknown_deal_of_an_unnamed_campaign_is_a_warning():
    hint = presenters.deal_hint(pickers(deal_unknown=True, deal_id=9), "help")

    assert hint == presenters.Hint("This campaign has no deal 9; impact.com will refuse it.", warning=True)


def test_the_deal_select_says_how_many_deals_in_the_span_the_script_rewrites():
    hint = presenters.deal_hint(pickers(deal_select=True, deals=SimpleNamespace(items=[1, 2])), "help")

    assert hint.text == "The deal whose discount the code gives: 2 in this campaign."
    assert hint.text_id == "deal-summary" and not hint.warning


def test_only_the_lists_that_failed_say_so_and_none_is_asked_before_a_campaign():
    failed = Lookup(error=ImpactError("impact.com did not answer in time."))
    state = SimpleNamespace(campaigns=Lookup(), partners=None, deals=failed)

    assert presenters.names_unavailable(state) == {
        "campaign": "",
        "partner": "",
        "deal": "Deal names are unavailable right now. impact.com did not answer in time. Type the deal id, if any.",
    }


def test_without_a_pattern_the_tester_asks_for_one():
    results = presenters.regex_results(None)

    assert [line.text for line in results.lines] == ["Type a pattern in Code to test it."]
    assert results.samples == ()


def test_the_tester_says_why_a_rejected_sample_comes_close_and_counts_one_dropped_sample():
    trial = RegexTrial("^A$", samples=(Sample("A", True, True, True), Sample("xA", False, True, False),
                                        Sample("a", False, False, True)), dropped=1)

    results = presenters.regex_results(trial)

    assert [(s.verdict, s.note) for s in results.samples] == [
        ("✓ accepted", ""), ("✗ not accepted", "matches only part of it"), ("✗ not accepted", "would match ignoring case"),
    ]
    assert results.lines[0].text == "1 of 3 accepted. 1 more sample not tested (at most 20)."


def test_an_unticked_overlap_box_without_a_check_still_shows_the_warning_box():
    assert presenters.overlap_warning(None, unconfirmed=True) == presenters.OverlapWarning()
    assert presenters.overlap_warning(None, unconfirmed=False) is None


def test_a_bulk_warning_of_unchecked_rows_only():
    warning = presenters.bulk_warning(0, 1, can_run=False)

    assert warning.headline == "1 row was not fully checked, marked below."
    assert warning.details == "A regex that takes too long to test (it backtracks badly) could not be checked."
    assert presenters.bulk_warning(0, 0, can_run=True) is None


def test_the_budget_line_says_when_it_refills():
    budget = Budget(needed=3, remaining=500, limit=1000, reset_seconds=30, reserve=50)

    assert presenters.budget_line(budget) == (
        "500 of 1000 requests left this hour (it refills in about 1 minute); promoadmin keeps 50 for everybody else."
    )
    assert presenters.budget_line(Budget(3, None, None, None)) == "impact.com has not said how much is left yet."


@override_settings(TIME_ZONE="America/Los_Angeles")
def test_the_facts_name_a_missing_start_and_end_and_show_dates_in_the_business_zone():
    code = SimpleNamespace(is_regex=False, start_date=None, end_date=datetime(2026, 11, 5, 17, 30, tzinfo=UTC))

    facts = presenters.code_facts(code)

    assert facts == presenters.CodeFacts("(letter case ignored)", "Immediately", "Nov 5, 2026, 09:30 PST")
    assert presenters.deal_runs(Deal(id=1, name="d")) == "open start to no end date"
