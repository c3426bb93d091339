"""The words a person reads outside templates: hints, warnings, messages and check results.

Each sentence is written once, here, and returned as data (small frozen dataclasses, or safe HTML
built with format_html) that templates render as they are. Views and templatetags import this
module; services, selectors and checks never do (they return facts, this module words them).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.html import format_html

from promoadmin.impact.records import NewPromoCode

from .checks.list_filters import SCHEDULES
from .checks.overlaps import ConflictCheck
from .checks.regex import MAX_SAMPLES
from .checks.risk_notes import Note
from .formatting import full_datetime, short_date


@dataclass(frozen=True)
class Hint:
    """A line of help under a field: plain help, or a warning (shown as one), after an optional
    name that was picked."""

    text: str
    warning: bool = False
    picked: str = ""
    text_id: str = ""  # the id of the text, when a script replaces it


def campaign_inactive(campaign) -> str:
    """Follows the campaign's name, or "This campaign"."""
    return f"is {campaign.state.lower()}: impact.com accepts new codes only for active campaigns."


def partner_inactive(partner) -> str:
    """Follows the partner's name."""
    return f"is {partner.state.lower()}: impact.com gives new codes only to active partners."


def campaign_hint(pickers, help_text: str) -> Hint:
    """Under the create form's campaign field."""
    campaign = pickers.campaign
    if campaign and campaign.state and campaign.state != "ACTIVE":
        return Hint("This campaign " + campaign_inactive(campaign), warning=True)
    if campaign:
        return Hint("The impact.com program the code belongs to.")
    if pickers.campaign_unknown:
        return Hint(
            f"impact.com's campaign list for this account has no campaign {pickers.campaign_id}; "
            "the code will be sent with the id as typed.",
            warning=True,
        )
    return Hint(help_text)


def partner_hint(pickers, help_text: str) -> Hint:
    """Under the create form's partner field."""
    partner, campaign_name = pickers.partner, pickers.campaign.name if pickers.campaign else "this campaign"
    if partner and partner.state != "ACTIVE":
        return Hint(partner_inactive(partner), warning=True, picked=partner.name)
    if partner:
        return Hint("gets credit when the code is used.", picked=partner.name)
    if pickers.partner_unknown:
        return Hint(
            f"Partner {pickers.partner_id} is not joined to {campaign_name}; impact.com will refuse the code unless it is.",
            warning=True,
        )
    if pickers.partner_search:
        count = len(pickers.partners.items)
        return Hint(f"Search the {count} partner{'s' if count != 1 else ''} of {campaign_name} by name, or type the partner id.")
    if pickers.partners:
        return Hint(help_text)
    return Hint("Choose a campaign to find its partners by name, or type the partner id.")


@dataclass(frozen=True)
class FormWords:
    """The create form's breadcrumb, heading and submit button: a new code, or a change of one."""

    crumb: str
    heading: str
    submit: str


def form_words(replaces) -> FormWords:
    """`replaces`: the id of the code a change expires, or empty for a new code."""
    if replaces:
        return FormWords("Change code", f"Change promo code {replaces}", "Change promo code")
    return FormWords("New code", "New promo code", "Create promo code")


def names_unavailable(pickers) -> dict[str, str]:
    """Under each picker whose list impact.com did not give: why, and to type the id instead ('' when it did)."""
    lists = {"campaign": (pickers.campaigns, "Type the campaign id."), "partner": (pickers.partners, "Type the partner id."),
             "deal": (pickers.deals, "Type the deal id, if any.")}
    return {
        name: f"{name.title()} names are unavailable right now. {names.error.message} {advice}" if names is not None and not names.ok else ""
        for name, (names, advice) in lists.items()
    }


def deal_hint(pickers, help_text: str) -> Hint:
    """Under the create form's deal field. With the deal select, the text is the chosen deal's
    discount, which the page's script replaces when another deal is chosen (text_id)."""
    if pickers.deal_unknown:
        campaign_name = (pickers.campaign.name if pickers.campaign else "") or "This campaign"
        return Hint(f"{campaign_name} has no deal {pickers.deal_id}; impact.com will refuse it.", warning=True)
    if pickers.deal_select:
        deal = pickers.deal
        if deal:
            return Hint(deal.discount.summary or deal.name, text_id="deal-summary")
        return Hint(f"The deal whose discount the code gives: {len(pickers.deals.items)} in this campaign.", text_id="deal-summary")
    if pickers.waiting_for_campaign:
        return Hint("Choose a campaign to pick one of its deals.")
    if pickers.deals:
        return Hint(help_text)
    return Hint("Choose a campaign to pick one of its deals, or type a deal id.")


@dataclass(frozen=True)
class TesterLine:
    """A paragraph of the regex tester's results (`css`: its classes), with an optional button that
    puts `fix` in the Code field."""

    text: str
    css: str = "muted"
    fix: str = ""
    fix_label: str = ""


@dataclass(frozen=True)
class TesterSample:
    """A sample code, whether the pattern accepts it, and why it comes close if not."""

    text: str
    accepted: bool
    note: str = ""

    @property
    def verdict(self) -> str:
        return "✓ accepted" if self.accepted else "✗ not accepted"


@dataclass(frozen=True)
class RegexResults:
    samples: tuple[TesterSample, ...] = ()
    lines: tuple[TesterLine, ...] = ()


def regex_results(trial) -> RegexResults:
    """What the regex tester shows for a checks.regex.RegexTrial (None: no pattern typed yet)."""
    if trial is None:
        return RegexResults(lines=(TesterLine("Type a pattern in Code to test it."),))
    if trial.error:
        return RegexResults(lines=(TesterLine(f"Not a valid pattern: {trial.error}.", "check check-stop"),))
    if trial.busy:
        return RegexResults(lines=(TesterLine(
            "Not tested yet: your previous test is still running. Change the pattern or a sample to test again.",
            "check check-warning",
        ),))
    if trial.too_slow:
        return RegexResults(lines=(TesterLine(
            "This pattern takes too long to test (it backtracks badly, as (a+)+ does). impact.com would struggle too: simplify it.",
            "check check-stop",
        ),))
    if trial.samples:
        count = f"{len(trial.matched)} of {len(trial.samples)} accepted."
        if trial.dropped:
            count += f" {trial.dropped} more sample{'s' if trial.dropped != 1 else ''} not tested (at most {MAX_SAMPLES})."
        lines = [TesterLine(count, "muted sample-count")]
    else:
        lines = [TesterLine("Type sample codes above, one per line, to see which the pattern accepts.")]
    if trial.unanchored:
        lines.append(TesterLine(
            "The pattern has no ^ at the start and $ at the end. promoadmin tests whole codes; if impact.com looked for "
            "the pattern anywhere inside a code, it would accept more than shown here.",
            "check check-warning", trial.anchored_pattern, f"Use {trial.anchored_pattern}",
        ))
    if trial.case_sensitive:
        lines.append(TesterLine(
            "Letter case counts: shoppers typing in another case are not accepted.",
            "check check-info", trial.ignore_case_pattern, f"Ignore case: {trial.ignore_case_pattern}",
        ))
    return RegexResults(tuple(TesterSample(sample.text, sample.matches, _near_miss(sample)) for sample in trial.samples), tuple(lines))


def _near_miss(sample) -> str:
    """Why a sample the pattern does not accept comes close ('' if accepted, or not close)."""
    if sample.matches:
        return ""
    if sample.anywhere:
        return "matches only part of it"
    return "would match ignoring case" if sample.ignoring_case else ""


# How each result of a check is marked (seen, and only heard) in the preview's list of checks.
CHECK_MARKS = {"ok": ("✓", "Passed:"), "warning": ("!", "Warning:"), "stop": ("✗", "Stops the create:")}


@dataclass(frozen=True)
class CheckResult:
    text: str
    status: str = "ok"  # "ok", "warning" or "stop"

    @property
    def mark(self) -> str:
        return CHECK_MARKS[self.status][0]

    @property
    def spoken(self) -> str:
        """What a screen reader says before the text, in place of the mark."""
        return CHECK_MARKS[self.status][1]


def preview_checks(new_code: NewPromoCode, check: ConflictCheck, pickers, notes: list[Note], *, deal_name_filled: bool) -> list[CheckResult]:
    """Every check promoadmin makes before a create, with its result, for the dry run."""
    results = [CheckResult("Every field is valid (checked here, before anything is sent).")]
    if new_code.type == "RE":
        results.append(CheckResult("The pattern is a valid regular expression."))
    calls = f"{check.calls} API call{'s' if check.calls != 1 else ''}"
    if check.duplicate:
        results.append(CheckResult(duplicate_message(check), "stop"))
    else:
        results.append(CheckResult(
            f"No active code {new_code.code} in campaign {new_code.campaign_id} "
            f"({'exact codes compared ignoring case; ' if new_code.type == 'LI' else ''}"
            f"{check.active_total} active code{'s' if check.active_total != 1 else ''} looked at with {calls})."
        ))
    if check.pattern_too_slow:
        results.append(CheckResult("The pattern takes too long to match (it backtracks badly): simplify it.", "stop"))
    elif not check.duplicate:
        if check.overlaps or check.unchecked:
            results.append(CheckResult(overlap_summary(check), "warning"))
        else:
            kind = "active exact codes" if new_code.type == "RE" else "active regex codes"
            results.append(CheckResult(f"No overlap: none of the campaign's {kind} running at the same time accepts the same codes."))
        if not check.complete:
            results.append(CheckResult(_incomplete_sentence(check), "warning"))
    results.extend(_picker_checks(new_code, pickers, deal_name_filled))
    results.extend(CheckResult(note.text, "warning" if note.level == "warning" else "ok") for note in notes)
    results.append(CheckResult("This form has not created a code yet: Create sends it once, and a second submission sends nothing."))
    return results


def overlap_summary(check: ConflictCheck) -> str:
    """The preview's one-line overlap check."""
    text = _overlap_lead(check, "this code") + ", so two codes would compete at checkout."
    if check.unchecked:
        text += " " + _unchecked_sentence(len(check.unchecked))
    return text


def _overlap_lead(check: ConflictCheck, accepted: str) -> str:
    """What overlaps, from the new code's side; `accepted` names the new exact code."""
    if check.new_code.type == "RE":
        return "This pattern also accepts active exact codes of the campaign"
    return f"An active regex code of the campaign already accepts {accepted}"


def _unchecked_sentence(count: int) -> str:
    return f"{count} active regex code{'s' if count != 1 else ''} took too long to test against this code and could not be checked."


def _incomplete_sentence(check: ConflictCheck) -> str:
    return f"Overlaps were checked against the first {check.active_checked} of {check.active_total} active codes only."


@dataclass(frozen=True)
class OverlapItem:
    """An active code the new one overlaps, with what it is (and, for a regex, a code both accept)."""

    url: str
    code: str
    note: str


@dataclass(frozen=True)
class OverlapWarning:
    """The create form's warning above "create it anyway": `lead` and `items` only when codes overlap."""

    lead: str = ""
    items: tuple[OverlapItem, ...] = ()
    notes: tuple[str, ...] = ()


def overlap_warning(check: ConflictCheck | None, *, unconfirmed: bool) -> OverlapWarning | None:
    """The warning when codes overlap or could not be checked, or the overlap box was left unticked."""
    if check is None or not (check.overlaps or check.unchecked or unconfirmed):
        return OverlapWarning() if unconfirmed else None
    items = tuple(
        OverlapItem(
            reverse("promocodes:detail", args=[overlap.promo.id]), overlap.promo.code,
            f"(exact code, id {overlap.promo.id})" if overlap.regex_is_new
            else f"(regex code, id {overlap.promo.id}) accepts {overlap.example}",
        )
        for overlap in check.overlaps
    )
    notes = ((_unchecked_sentence(len(check.unchecked)),) if check.unchecked else ()) + (
        (_incomplete_sentence(check),) if not check.complete else ()
    )
    return OverlapWarning(_overlap_lead(check, check.new_code.code) + ":" if items else "", items, notes)


def _picker_checks(new_code: NewPromoCode, pickers, deal_name_filled: bool) -> list[CheckResult]:
    results = []
    campaign = pickers.campaign if pickers else None
    if campaign and campaign.state not in ("", "ACTIVE"):
        results.append(CheckResult(f"Campaign {campaign.name} {campaign_inactive(campaign)}", "warning"))
    elif campaign:
        results.append(CheckResult(f"Campaign {campaign.name} is active."))
    else:
        results.append(CheckResult(f"Campaign {new_code.campaign_id} could not be checked against the campaign list.", "warning"))
    if pickers and pickers.partner_search:
        partner = pickers.partner
        if partner is None:
            results.append(CheckResult(f"Partner {new_code.assigned_partner_id} is not joined to this campaign.", "warning"))
        elif partner.state != "ACTIVE":
            results.append(CheckResult(f"{partner.name} {partner_inactive(partner)}", "warning"))
        else:
            results.append(CheckResult(f"{partner.name} is an active partner of this campaign."))
    else:
        results.append(CheckResult(f"Partner {new_code.assigned_partner_id} could not be checked against the partner list.", "warning"))
    if new_code.deal_id is not None:
        if pickers and pickers.deals and pickers.deals.ok:
            deal = pickers.deals.get(new_code.deal_id)
            if deal is None:
                results.append(CheckResult(f"Deal {new_code.deal_id} is not a deal of this campaign.", "warning"))
            else:
                state = "" if deal.state in ("", "ACTIVE") else f" (it is {deal.state.lower()})"
                results.append(CheckResult(f"Deal {deal.name} belongs to this campaign{state}.", "warning" if state else "ok"))
        if deal_name_filled:
            results.append(CheckResult(f"The deal name was left empty, so it is filled from the deal: {new_code.deal_name}."))
    return results


def earlier_submission_message(earlier, new_code: NewPromoCode) -> str:
    """What a form's first submission did (its ledger entry), told to its second one (which sent nothing)."""
    new_form = reverse("promocodes:create") + f"?campaign_id={new_code.campaign_id}"
    if earlier.outcome == "created":
        return format_html(
            'This form was already submitted: it created <a href="{}">{}</a> (id {}). Nothing was sent again. '
            'To make another code, <a href="{}">start a new form</a>.',
            reverse("promocodes:detail", args=[earlier.promo_code_id]), earlier.code or new_code.code,
            earlier.promo_code_id, new_form,
        )
    if earlier.outcome == "unknown":
        listed = reverse("promocodes:list") + "?" + urlencode({"campaign_id": new_code.campaign_id, "code": new_code.code})
        return format_html(
            "This form was submitted before and impact.com never confirmed whether it created {}. Nothing was "
            'sent again. <a href="{}">Look for the code</a>; if it is not there, <a href="{}">start a new form</a> '
            "to try again.",
            new_code.code, listed, new_form,
        )
    return (
        "This form is already being submitted (a double click, or another tab). Nothing was sent again: "
        "wait a moment, then check the list for the code."
    )


def duplicate_message(check: ConflictCheck) -> str:
    """The active code that stops a create: the same code as impact.com sees it."""
    promo, new = check.duplicate, check.new_code
    same_letters = promo.code != new.code
    ended = promo.lifecycle() == "ended"
    return format_html(
        'An active code <a href="{}">{}</a> (id {}) already exists in this campaign{}.{} '
        "impact.com would refuse the new one; expire the old one first if it should be replaced.",
        reverse("promocodes:detail", args=[promo.id]), promo.code, promo.id,
        ": exact codes ignore letter case, so it is the same code" if same_letters else "",
        " Its end date has passed, but impact.com still lists it as ACTIVE." if ended else "",
    )


def receipt_link(url: str) -> str:
    """A safe HTML link for a success message."""
    return format_html(' <a href="{}" class="receipt-link">Receipt</a> (a permanent link for a ticket or the wiki).', url)


def create_outcome_unknown(err, new_code: NewPromoCode) -> str:
    """impact.com failed the create and the look for the code failed too."""
    return f"{err.message} promoadmin cannot tell whether {new_code.code} was created: check the list for it before submitting again."


def create_outcome_found(err, new_code: NewPromoCode, created_id: int | None) -> str:
    """impact.com failed the create; a look found the code it created anyway (its id), or found none."""
    if created_id is not None:
        return f"{err.message} It did create the code anyway: {new_code.code} is now active (id {created_id}). Do not submit again."
    return f"{err.message} The code was not created; it is safe to submit again."


def expire_unknown(promo_code_id: int) -> str:
    """After an expire impact.com did not confirm (a timeout, a 5xx): it may have been done."""
    return (
        f"promoadmin cannot tell whether impact.com expired promo code {promo_code_id}. "
        "Expiring it again is harmless, or open the code to see its state."
    )


def expire_not_sent(promo_code_id: int) -> str:
    """After an expire that stopped before its DELETE (impact.com unreachable, or the read first failed)."""
    return f"Nothing was sent, so promo code {promo_code_id} was not expired."


def expire_all_title(total: int) -> str:
    """The tooltip of the list's "Expire all matching" link."""
    return (
        f"The active codes among these {total}, on every page. The next page shows exactly what would be "
        "expired, and its cost, before anything is sent."
    )


def write_done(verb: str, code: str, receipt_url: str) -> str:
    """The success message after a create or an expire, with its receipt link."""
    return format_html("{} promo code {}.{}", verb, code, receipt_link(receipt_url))


def write_request_line(method: str, account_sid: str, promo_code_id: int | None = None) -> str:
    """The request a write sends (credentials travel in a header and are never shown), as HTML
    that may wrap after the account part."""
    if promo_code_id is None:
        return format_html("{}\u00a0/Advertisers/{}/<wbr>PromoCodes", method, account_sid)
    return format_html("{}\u00a0/Advertisers/{}/<wbr>PromoCodes/{}", method, account_sid, int(promo_code_id))


def bulk_overlap_warnings(result, in_file: dict) -> list[str]:
    """A bulk-create row's warnings from checks.overlaps.find_overlaps: safe HTML, one per finding."""
    warnings = []
    if result.pattern_too_slow:
        warnings.append(
            "This pattern could not be checked for overlaps: it took too long to test (it may backtrack "
            "badly, as (a+)+ does)."
        )
    for overlap in result.overlaps:
        warnings.append(format_html(
            "Overlaps {}: both accept <span class=\"code\">{}</span>.", _overlapping_code(overlap.promo, in_file),
            overlap.example,
        ))
    for other in result.unchecked:
        warnings.append(format_html(
            "Could not be checked against {}: it took too long to test.", _overlapping_code(other, in_file)
        ))
    return warnings


def _overlapping_code(other, in_file: dict) -> str:
    """The other code of an overlap: an active code links to its page, a row of the file to its line."""
    kind = "regex" if other.type == "RE" else "exact"
    if id(other) in in_file:
        index, row = in_file[id(other)]
        return format_html(
            'the {} code <span class="code">{}</span> on <a href="#bulk-row-{}">line {}</a> of this file',
            kind, other.code, index, row.line,
        )
    return format_html(
        'the active {} code <a href="{}" class="code">{}</a> (id {})',
        kind, reverse("promocodes:detail", args=[other.id]), other.code, other.id,
    )


def date_view_heading(count: int, filters: dict[str, str]) -> str:
    """'3 promo codes in campaign 1000, code SPRING': the heading of a date view's results."""
    names = (("campaign_id", "campaign"), ("code", "code"), ("partner_id", "partner"), ("deal_id", "deal"),
             ("credit_policy", "credit policy"), ("type", "match"))
    where = [f"{name} {filters[key]}" for key, name in names if filters.get(key)]
    return f"{count} promo code{'' if count == 1 else 's'}" + (f" in {', '.join(where)}" if where else "")


def scan_price(max_pages: int, share_left: int | None) -> str:
    """Said before a scan runs: 'This view reads up to 5 pages: 5 of your 812 calls left this hour.'"""
    pages = f"up to {max_pages} page{'' if max_pages == 1 else 's'} of 1000 codes"
    if share_left is None:
        return f"Partner, deal, credit policy, match and schedule are filtered by promoadmin: a view reads {pages}."
    return (
        f"Partner, deal, credit policy, match and schedule are filtered by promoadmin: a view reads {pages}, "
        f"{max_pages} of your {share_left} call{'' if share_left == 1 else 's'} left this hour "
        "(pages read in the last few seconds come from promoadmin's cache and cost nothing)."
    )


def local_filter_rule(local, names: dict[str, str], code: str = "") -> str:
    """The filters promoadmin applies, in words: 'the partner is Honey (2553254) and the match is Exact'.
    `names` holds the partner's and the deal's name when the pickers know them; `code` is the Code
    box's text, which a scan matches as a part of the code."""
    parts = []
    if code:
        parts.append(f"the code contains “{code}” (ignoring letter case)")
    if local.partner_id is not None:
        parts.append(_named("partner", names.get("partner"), local.partner_id))
    if local.deal_id is not None:
        parts.append(_named("deal", names.get("deal"), local.deal_id))
    if local.credit_policy:
        parts.append(f"the credit policy is {local.credit_policy.title()}")
    if local.type:
        parts.append(f"the match is {'Regex' if local.type == 'RE' else 'Exact'}")
    if local.narrows_schedule:
        parts.append(f"the schedule is {SCHEDULES[local.schedule][0]}")
    return " and ".join(parts)


def _named(what: str, name: str | None, item_id: int) -> str:
    return f"the {what} is {name} ({item_id})" if name else f"the {what} id is {item_id}"


def upload_read_as(file_format: str, columns: str) -> str:
    """Which format the bulk-create review read, so a surprise shows at once."""
    if columns == "impact":
        return (f"Read as {file_format} in impact.com's bulk upload template: Promo Code, Program Id, Media Id (the partner), "
                "Credit Rule, Match Mode, Deal, Active Start and End Date, with Timezone placing dates given without an offset.")
    return f"Read as {file_format} with promoadmin's columns (the create form's fields)."


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


# --- bulk create: the review of a file -----------------------------------------------------------


def bulk_review_title(count: int) -> str:
    """The review's title and heading: 'Review 3 new promo codes'."""
    return f"Review {_plural(count, 'new promo code', 'new promo codes')}"


def bulk_results_title(count: int) -> str:
    """The heading once the run starts (the page's script swaps it in)."""
    return f"Results: creating {_plural(count, 'promo code', 'promo codes')}"


def bulk_review_problem(invalid_count: int) -> str:
    them = "it" if invalid_count == 1 else "them"
    return (
        f"{_plural(invalid_count, 'row has a problem', 'rows have problems')}, marked below. Nothing will be created until "
        f"the whole file is right: fix {them} in the file and upload it again."
    )


@dataclass(frozen=True)
class BulkWarning:
    """The review's warning: a headline (shown strong), then what it means."""

    headline: str
    details: str


def bulk_warning(overlap_count: int, unchecked_count: int, *, can_run: bool) -> BulkWarning | None:
    """Rows that overlap other codes, or whose overlaps could not all be checked (None: no such row)."""
    if not (overlap_count or unchecked_count):
        return None
    found, details = [], []
    if overlap_count:
        their = "its" if overlap_count == 1 else "their"
        found.append(f"{_plural(overlap_count, 'row overlaps', 'rows overlap')} other codes of {their} campaign")
        details.append(
            "An overlap is a regex and an exact code that run at the same time and accept the same code: both would be "
            "valid at checkout, and each may credit a different partner."
        )
    if unchecked_count:
        found.append(f"{_plural(unchecked_count, 'row was', 'rows were')} not fully checked")
        details.append("A regex that takes too long to test (it backtracks badly) could not be checked.")
    if can_run:
        details.append("Creating these codes needs your confirmation, below.")
    return BulkWarning(", and ".join(found) + ", marked below.", " ".join(details))


def bulk_confirm_label(warned_count: int, doing: str = "Create", item: tuple[str, str] = ("row", "rows")) -> str:
    return (
        f"{doing} them anyway: I have checked the {_plural(warned_count, *item)} marked with a warning, "
        "and that these codes may compete at checkout"
    )


def bulk_costs(check_calls: int, check_complete: bool, creates: int, budget) -> list[str]:
    """The review's Cost list, as safe HTML: the checks already spent, the names, the creates, the budget."""
    if check_calls:
        checks = format_html(
            "Checking for codes already active: <strong>{}</strong>, one per campaign in the file, already spent.{}",
            _plural(check_calls, "API call", "API calls"),
            "" if check_complete else " A campaign has more than 1000 active codes: rows were checked against the "
            "first 1000, and impact.com refuses any other duplicate.",
        )
    else:
        checks = "Checking for codes already active: no API call, since no row names a campaign, partner and code that can be checked."
    return [
        checks,
        "Names beside the ids: from the campaign, partner and deal lists the create form uses, asked at most once per "
        "list and campaign while promoadmin keeps them.",
        format_html(
            "Creating: <strong>{}</strong>, one <code>POST</code> per row, each sent exactly once (never retried).",
            _plural(creates, "API call", "API calls"),
        ),
        "Budget: " + budget_line(budget),
    ]


def budget_line(budget) -> str:
    """What is left of the hourly budget (a budget.Budget), before a bulk write."""
    if not budget.known:
        return "impact.com has not said how much is left yet."
    refill = f" (it refills in about {_plural(budget.reset_minutes, 'minute', 'minutes')})" if budget.reset_minutes else ""
    return (
        f"{budget.remaining} of {budget.limit} requests left this hour{refill}; "
        f"promoadmin keeps {budget.reserve} for everybody else."
    )


def bulk_request_heading(*, valid: bool, warned: bool) -> str:
    """The review table's column of requests (a valid file) or problems."""
    return ("API request" if valid else "Problems") + (" and warnings" if warned else "")


def bulk_row_waiting(*, row_ok: bool, valid: bool) -> str:
    """A row's Result before the run."""
    if not row_ok:
        return "Will not be sent"
    return "Not sent yet" if valid else "This row is fine"


@dataclass(frozen=True)
class ScanNote:
    """How a bounded scan found what the page shows: how, what it cost, and where it stopped ('' if it did not)."""

    how: str
    cost: str
    stopped: str


def code_search_note(search, upstream_words: str) -> ScanNote:
    """The list's Code box when impact.com matched whole codes only and the rest were scanned for."""
    scan, text = search.scan, search.text
    found = search.page.total
    how = (
        f"impact.com's Code filter answered with whole codes only, so promoadmin also asked it for {upstream_words}: "
        f"{scan.total} code{'' if scan.total == 1 else 's'}, read in pages of up to 1000, and kept the {found} "
        f"whose code contains “{text}” (ignoring letter case)."
    )
    calls = scan.calls + 1
    cost = (
        f"{calls} API calls to impact.com (1 for the Code filter, {scan.calls} for the rest), each one unless read in the last "
        "few seconds (then from promoadmin's cache, free; Refresh asks again)."
    )
    stopped = ""
    if scan.truncated:
        stopped = (
            f"Only the first {scan.scanned} of {scan.total} codes were read (at most {scan.calls} pages), so codes "
            f"containing “{text}” may be missing. Narrow the list by campaign, state or dates to see them all."
        )
    return ScanNote(how, cost, stopped)


@dataclass(frozen=True)
class CodeFacts:
    """The detail page's facts that need a decision: how the code matches, and when it runs."""

    match_note: str
    starts: str
    ends: str


def code_facts(promo) -> CodeFacts:
    return CodeFacts(
        match_note="(a regular expression, case-sensitive)" if promo.is_regex else "(letter case ignored)",
        starts=full_datetime(promo.start_date) or "Immediately",
        ends=full_datetime(promo.end_date) or "Never (no end date)",
    )


def deal_runs(deal) -> str:
    """The detail page's "Runs" line of a deal: 'Nov 5, 2026 to no end date'."""
    return f"{short_date(deal.start_date) or 'open start'} to {short_date(deal.end_date) or 'no end date'}"


# --- the ledger: history, already expired, change by replacement --------------------------------


def ledger_line(entry) -> str:
    """One entry of a code's history: "created by ana via promoadmin, Nov 30, 2026, 2:02 PM PST"."""
    verbs = {"created": "created", "expired": "expired", "rejected": "refused by impact.com",
             "failed": "not done", "unknown": "sent, outcome unknown", "pending": "being sent"}
    action = "create" if entry.action == "create" else "expire"
    done = entry.outcome in ("created", "expired")
    verb = verbs[entry.outcome] if done else f"{action} {verbs[entry.outcome]}"
    role = {"old": " (changed: the old code)", "new": " (changed: the new code)",
            "compensation": " (the old code re-created after a failed change)"}.get(entry.role, "")
    who = entry.username or "someone"
    return f"{verb} by {who} via promoadmin, {full_datetime(entry.at)}{role}"


def already_expired(promo_code_id: int, promo, earlier) -> str:
    """Expiring a code that is already INACTIVE: nothing was sent, and nothing recorded."""
    if earlier is not None:
        return f"Promo code {promo_code_id} was already expired on {full_datetime(earlier.at)} (by {earlier.username or 'someone'} via promoadmin)."
    when = f" on {full_datetime(promo.end_date)}" if promo is not None and promo.end_date else ""
    return f"Promo code {promo_code_id} was already expired{when} (not through promoadmin). Nothing was sent."


@dataclass(frozen=True)
class PlannedRequest:
    method: str
    path: str
    why: str


def replace_plan(old, new_code: NewPromoCode, same_text: bool) -> list[PlannedRequest]:
    """The requests of a change by replacement, in the order they are sent (credentials never shown)."""
    expire = PlannedRequest("DELETE", f"/Advertisers/…/PromoCodes/{old.id}", f"expire the old {old.code} (id {old.id})")
    create = PlannedRequest("POST", "/Advertisers/…/PromoCodes", f"create the new {new_code.code}")
    if not old.is_active:  # services.promo_code_replace never expires an INACTIVE code
        return [PlannedRequest(create.method, create.path, create.why + f" (the old one, id {old.id}, is INACTIVE already and stays so)")]
    if same_text:
        return [expire, create]
    return [create, PlannedRequest(expire.method, expire.path, expire.why + ", only once the new one exists")]


def change_done(old, new_code: NewPromoCode, replaced, receipt_url: str) -> tuple[str, bool]:
    """After a change whose new code exists: (the message, whether it is a warning)."""
    link = receipt_link(receipt_url)
    if not old.is_active:  # a reactivation: nothing was expired
        return format_html("Created {} (id {}) in place of the INACTIVE code {} (id {}), which stays as it was.{}",
                           new_code.code, replaced.new.promo_code_id, old.code, old.id, link), False
    if replaced.old is not None and replaced.old.done:
        return format_html("Changed promo code {}: expired the old code (id {}) and created the new one (id {}).{}",
                           new_code.code, old.id, replaced.new.promo_code_id, link), False
    err = replaced.old.error if replaced.old else None
    return format_html(
        "Created {} (id {}), but the old code {} (id {}) was not expired: {} It is still active; expire it from its page.{}",
        new_code.code, replaced.new.promo_code_id, old.code, old.id, err.message if err else "", link,
    ), True


def change_failed(old, new_code: NewPromoCode, replaced) -> str:
    """The new code of a change was not created: exactly what happened to the old one."""
    old_step = replaced.old
    if replaced.new is None:  # same text: the old code had to go first, and did not
        err = old_step.error
        if old_step.outcome == "unknown":
            return (f"Nothing was created: impact.com did not confirm expiring {old.code} (id {old.id}): {err.message} "
                    "Open the code to see its state before trying again.")
        return f"Nothing changed: impact.com did not expire {old.code} (id {old.id}): {err.message} The new code was not sent."
    err = replaced.new.error
    refused = f"impact.com {'refused' if replaced.new.outcome == 'rejected' else 'did not create'} the new code: {err.message}"
    if not old.is_active:  # a reactivation: the old code was not touched
        check = " It may still appear: see Activity (Check now) before trying again." if replaced.new.outcome == "unknown" else ""
        return f"{refused}{check} The old code {old.code} (id {old.id}) was INACTIVE before and stays so; nothing else changed."
    if not replaced.same_text:
        if replaced.new.outcome == "unknown":
            return f"{refused} It may still appear; the old code {old.code} (id {old.id}) was left active. See Activity before trying again."
        return f"{refused} The old code {old.code} (id {old.id}) was left as it is."
    if replaced.new.outcome == "unknown":
        return (f"{refused} It may still appear. The old code (id {old.id}) was expired first and was not re-created, "
                "since the new one may exist: see Activity (Check now) before doing anything else.")
    comp = replaced.compensation
    if comp is not None and comp.done:
        return (f"{refused} The old code (id {old.id}) had been expired first, so promoadmin re-created what was left of it "
                f"as id {comp.promo_code_id}: shoppers can use {old.code} again. Your changes are below; fix them and submit again.")
    detail = comp.error.message if comp is not None and comp.error else ""
    return (f"{refused} The old code (id {old.id}) had been expired first, and re-creating it failed too ({detail}): "
            f"{old.code} is not active at all now. Create it again from the form below.")
