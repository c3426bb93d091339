"""Forms check every value locally, so nothing invalid is ever sent to impact.com."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time

from django import forms
from django.utils import timezone

from promoadmin.impact.records import CODE_TYPES, CREDIT_POLICIES, STATES, NewPromoCode, PromoCodeFilters

from .checks.list_filters import SCHEDULES, LocalFilters
from .lookups import MAX_ID, parse_id

MAX_CODE_LENGTH = 255
MAX_PAGE = 10_000


def _reject_control_characters(value: str) -> None:
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") for char in value):
        raise forms.ValidationError("Remove the invisible or control characters.")


class IdField(forms.IntegerField):
    """A positive impact.com id, with messages a person understands."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
        super().__init__(**kwargs)
        self.error_messages = {
            **self.error_messages,
            "invalid": "Enter a number, like 1000.",
            "min_value": "Enter a positive number.",
            "max_value": "That number is too large to be an impact.com id.",
        }


# Dates outside this range are typos; before 1883 the time zone's offset even has seconds
# (local mean time, -07:52:58), which is no ISO 8601 offset impact.com would take.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


class DayField(forms.DateField):
    widget = forms.DateInput(
        attrs={"type": "date", "min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()}, format="%Y-%m-%d"
    )

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(**kwargs)
        self.error_messages = {**self.error_messages, "invalid": "Enter a date as YYYY-MM-DD."}

    def validate(self, value):
        super().validate(value)
        if value and not FIRST_DAY <= value <= LAST_DAY:
            raise forms.ValidationError(f"Enter a date between {FIRST_DAY.year} and {LAST_DAY.year}.")


def selected_ids(raw_ids: list[str]) -> list[int]:
    """The ticked codes of a selection (`id=` repeated), in order, each once. Raises ValueError, whose
    message names the first value that is not an impact.com id."""
    ids: dict[int, None] = {}  # ordered, and a repeated id is found at once
    for raw in raw_ids:
        promo_code_id = parse_id(raw)
        if promo_code_id is None:
            raise ValueError(f"{raw[:40]!r} is not a promo code id.")
        ids[promo_code_id] = None
    return list(ids)


def start_of_day(day: date | None) -> datetime | None:
    """The first moment of a day in the business time zone (TIME_ZONE)."""
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


def end_of_day(day: date | None) -> datetime | None:
    """The last second of a day in the business time zone (TIME_ZONE)."""
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59))) if day else None


def _check_date_order(form: forms.Form, start_field: str, end_field: str) -> None:
    start, end = form.cleaned_data.get(start_field), form.cleaned_data.get(end_field)
    if start and end and end < start:
        form.add_error(end_field, "The end date is before the start date.")


class PromoCodeFilterForm(forms.Form):
    """The list's filters; the field names are the public URL's query parameters."""

    campaign_id = IdField(required=False, label="Campaign")
    code = forms.CharField(required=False, max_length=MAX_CODE_LENGTH, label="Code")
    state = forms.ChoiceField(required=False, choices=[("", "Any state"), *((s, s.title()) for s in STATES)])
    # impact.com's StartDate and EndDate select codes whose dates overlap the window, ended or not:
    # the labels say that, rather than "Active from/until", which read as the code's own dates.
    start_date = DayField(
        required=False, label="Running on or after", help_text="Codes that had not ended before this day."
    )
    end_date = DayField(
        required=False, label="Running on or before", help_text="Codes that had started by this day, ended ones too."
    )
    # impact.com cannot filter by these: promoadmin reads pages and filters them (selectors.scan_list).
    # `schedule=all` is accepted and means what no `schedule` means: every code.
    schedule = forms.ChoiceField(
        required=False, label="Schedule", choices=[("", "All"), *((key, words) for key, (words, _) in SCHEDULES.items() if key != "all")]
    )
    partner_id = IdField(required=False, label="Partner")
    deal_id = IdField(required=False, label="Deal")
    credit_policy = forms.ChoiceField(
        required=False, label="Credit policy", choices=[("", "Any credit policy"), *((key, key.title()) for key in CREDIT_POLICIES)]
    )
    type = forms.ChoiceField(required=False, label="Match", choices=[("", "Any match"), *CODE_TYPES.items()])
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        widget=forms.HiddenInput,
        # No visible filter: the list shows these in its form-wide message slot.
        error_messages={
            "invalid": "The page must be a whole number, like 2.",
            "min_value": "The page must be 1 or more.",
            "max_value": "The page must be at most %(limit_value)s.",
        },
    )

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and data.get("schedule") == "all":
            data = data.copy()
            data["schedule"] = ""
        super().__init__(data, *args, **kwargs)

    def clean_code(self):
        code = self.cleaned_data["code"]
        _reject_control_characters(code)
        return code

    def clean(self):
        cleaned = super().clean()
        _check_date_order(self, "start_date", "end_date")
        return cleaned

    def to_local_filters(self) -> LocalFilters:
        """What impact.com cannot filter by, for promoadmin to apply to the pages it reads."""
        data = self.cleaned_data
        return LocalFilters(
            partner_id=data.get("partner_id"),
            deal_id=data.get("deal_id"),
            credit_policy=data.get("credit_policy") or "",
            type=data.get("type") or "",
            schedule=data.get("schedule") or "",
        )

    def to_filters(self) -> PromoCodeFilters:
        data = self.cleaned_data
        return PromoCodeFilters(
            campaign_id=data.get("campaign_id"),
            code=data.get("code") or "",
            state=data.get("state") or "",
            start=start_of_day(data.get("start_date")),
            end=end_of_day(data.get("end_date")),
        )

    def active_filters(self) -> dict[str, str]:
        """The non-empty filters as query parameters (empty ones stay out of the URL)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {
            name: value.isoformat() if isinstance(value, date) else str(value)
            for name, value in self.cleaned_data.items()
            if name != "page" and value not in (None, "")
        }


class PromoCodeForm(forms.Form):
    """The create form. Field names are a public contract; impact.com's names are in to_new_code()."""

    campaign_id = IdField(label="Campaign", help_text="The impact.com program (campaign) id the code belongs to.")
    assigned_partner_id = IdField(
        label="Partner",
        help_text="The partner who gets credit when the code is used.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "Partner id"}),
    )
    code = forms.CharField(
        max_length=MAX_CODE_LENGTH,
        label="Code",
        help_text="What shoppers type at checkout. Exact codes ignore letter case; regex codes are case-sensitive.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    type = forms.ChoiceField(
        label="Match",
        choices=[("LI", "Exact: one code, letter case ignored"), ("RE", "Regex: a pattern matching many codes")],
        initial="LI",
        widget=forms.RadioSelect,
    )
    credit_policy = forms.ChoiceField(
        label="Credit policy",
        choices=list(CREDIT_POLICIES.items()),
        initial="INVOLVED",
        widget=forms.RadioSelect,
    )
    start_date = DayField(required=False, label="Starts", help_text="Leave empty to start now.")
    end_date = DayField(required=False, label="Ends", help_text="Leave empty for a code that never ends.")
    deal_id = IdField(required=False, label="Deal", help_text="Optional: the deal whose discount the code gives.")
    deal_name = forms.CharField(required=False, max_length=255, label="Deal name", help_text="Optional.")
    # Safe writes (never sent to impact.com): the form's one-submission token, the regex tester's
    # sample codes, and the confirmation that overlaps with active codes are intended.
    form_token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    # Change by replacement: the id of the code this one replaces (expired as part of the same submission).
    replaces = IdField(required=False, widget=forms.HiddenInput)
    regex_samples = forms.CharField(
        required=False,
        max_length=5000,
        label="Try it on sample codes",
        help_text="One code per line, as shoppers would type them. Nothing here is sent to impact.com.",
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
    )
    confirm_overlap = forms.BooleanField(
        required=False, label="Create it anyway: I have checked that these codes may compete at checkout"
    )

    # impact.com's field names, for errors it reports against them.
    UPSTREAM_FIELDS = {
        "AssignedPartnerId": "assigned_partner_id",
        "CampaignId": "campaign_id",
        "CreditPolicy": "credit_policy",
        "Code": "code",
        "Type": "type",
        "StartDate": "start_date",
        "EndDate": "end_date",
        "DealId": "deal_id",
        "DealName": "deal_name",
    }

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        _reject_control_characters(code)
        return code

    def clean_deal_name(self):
        deal_name = self.cleaned_data["deal_name"].strip()
        _reject_control_characters(deal_name)
        return deal_name

    def clean(self):
        cleaned = super().clean()
        _check_date_order(self, "start_date", "end_date")
        code, code_type = cleaned.get("code"), cleaned.get("type")
        if code and code_type == "LI" and any(char.isspace() for char in code):
            self.add_error("code", "Exact codes cannot contain spaces.")
        if code and code_type == "RE":
            try:
                re.compile(code)
            except re.error as err:
                self.add_error("code", f"This is not a valid regular expression: {err}.")
        return cleaned

    def add_upstream_errors(self, field_errors: dict[str, list[str]]) -> None:
        """Put impact.com's per-field messages beside the matching fields; others at the top."""
        for upstream_field, messages in field_errors.items():
            field = self.UPSTREAM_FIELDS.get(upstream_field)
            for message in messages:
                self.add_error(field, f"impact.com: {message}" if field else f"impact.com ({upstream_field or 'request'}): {message}")

    def to_new_code(self) -> NewPromoCode:
        data = self.cleaned_data
        return NewPromoCode(
            assigned_partner_id=data["assigned_partner_id"],
            campaign_id=data["campaign_id"],
            credit_policy=data["credit_policy"],
            code=data["code"],
            type=data["type"],
            start_date=start_of_day(data.get("start_date")),
            end_date=end_of_day(data.get("end_date")),
            deal_id=data.get("deal_id"),
            deal_name=data.get("deal_name") or "",
        )

