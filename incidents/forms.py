"""Forms validate input only; the services decide what is allowed."""

from collections.abc import Sequence

from django import forms
from django.utils import timezone

from incidents.models import OUTCOMES_FOR_STATUS, Category, Incident, Outcome, Priority, Source, Status
from incidents.services import TRANSITIONS
from tracker.forms import style_widgets


class IncidentFilterForm(forms.Form):
    """The desk list's filters. Categories and precincts come as (id, name) pairs; both clean to ids."""

    q = forms.CharField(label="Search by reference or words", required=False, max_length=100)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *Status.choices])
    category = forms.TypedChoiceField(
        label="Category",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Select a valid choice. That choice is not one of the available choices."},
    )
    precinct = forms.TypedChoiceField(label="Precinct", required=False, coerce=int, empty_value=None)
    mine = forms.BooleanField(label="Assigned to me", required=False)
    stale = forms.BooleanField(label="No follow-up for 7 days", required=False)

    def __init__(self, *args, precincts: Sequence[tuple[int, str]], categories: Sequence[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Any category"), *categories]
        self.fields["precinct"].choices = [("", "All my precincts"), *precincts]
        if len(precincts) < 2:
            del self.fields["precinct"]
        style_widgets(self)


class IncidentForm(forms.ModelForm):
    """Log a report a resident brings in. Private details stay on the desk."""

    precinct = forms.TypedChoiceField(label="Precinct", coerce=int)
    reported_at = forms.DateTimeField(
        label="When was it reported?",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty for now.",
    )
    assign_to_me = forms.BooleanField(label="Assign this report to me", required=False, initial=True)

    class Meta:
        model = Incident
        # The precinct is chosen from the user's own precincts, not from the model.
        fields = [
            "category",
            "public_summary",
            "public_location",
            "reported_at",
            "source",
            "priority",
            "reporter_name",
            "reporter_phone",
            "reporter_email",
            "exact_address",
            "involved_names",
            "internal_narrative",
        ]
        labels = {
            "public_summary": "What happened (public summary)",
            "public_location": "Where (public, block level)",
            "reporter_name": "Reporter's name",
            "reporter_phone": "Reporter's phone",
            "reporter_email": "Reporter's email",
            "exact_address": "Exact address (private)",
            "involved_names": "Names of anyone involved (private)",
            "internal_narrative": "What the resident told you (private)",
        }
        widgets = {
            "public_summary": forms.Textarea(attrs={"rows": 2, "maxlength": 280}),
            "internal_narrative": forms.Textarea(attrs={"rows": 4}),
            "involved_names": forms.Textarea(attrs={"rows": 2}),
            "reporter_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "reporter_email": forms.EmailInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args, precincts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["precinct"].choices = [(p.pk, p.name) for p in precincts]
        if len(precincts) == 1:
            self.fields["precinct"].initial = precincts[0].pk
            self.fields["precinct"].widget = forms.HiddenInput()
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["source"].choices = Source.choices
        self.fields["priority"].choices = Priority.choices
        style_widgets(self)

    def clean_reported_at(self):
        value = self.cleaned_data.get("reported_at")
        if value and value > timezone.now() + timezone.timedelta(minutes=5):
            raise forms.ValidationError("The report time cannot be in the future.")
        return value

    def clean_public_summary(self):
        value = self.cleaned_data["public_summary"].strip()
        if len(value) < 5:
            raise forms.ValidationError("Describe what happened in a few words.")
        return value

    def clean_public_location(self):
        value = self.cleaned_data["public_location"].strip()
        if not value:
            raise forms.ValidationError("Give the block or cross street.")
        return value


KEEP = ""
UNASSIGN = "nobody"


class FollowUpForm(forms.Form):
    """One form for everything an officer records on a report."""

    version = forms.IntegerField(widget=forms.HiddenInput(), min_value=1)
    internal_note = forms.CharField(
        label="Note (internal)", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    public_note = forms.CharField(
        label="Public note (shown on the report's public page)",
        required=False,
        max_length=280,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 280}),
    )
    to_status = forms.ChoiceField(label="Change status", required=False)
    outcome = forms.ChoiceField(label="Outcome (when closing)", required=False)
    referred_to = forms.CharField(label="Agency (when referring)", required=False, max_length=120)
    duplicate_of_reference = forms.CharField(
        label="Original report reference (when a duplicate)", required=False, max_length=20
    )
    assignee = forms.ChoiceField(label="Assigned to", required=False)

    def __init__(self, *args, incident: Incident, staff: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = incident.version
        allowed = TRANSITIONS[incident.status]
        self.fields["to_status"].choices = [
            (KEEP, f"Keep: {incident.get_status_display()}"),
            *((s.value, s.label) for s in Status if s in allowed),
        ]
        closing_outcomes = [*OUTCOMES_FOR_STATUS[Status.RESOLVED], *OUTCOMES_FOR_STATUS[Status.NO_ACTION]]
        self.fields["outcome"].choices = [("", "—"), *((o.value, o.label) for o in closing_outcomes)]
        self.fields["assignee"].choices = [
            (KEEP, "Keep as is"),
            (UNASSIGN, "Nobody"),
            *((str(u.pk), u.get_full_name() or u.get_username()) for u in staff),
        ]
        self.staff = {str(u.pk): u for u in staff}
        style_widgets(self)

    def clean_outcome(self):
        value = self.cleaned_data["outcome"]
        return Outcome(value) if value else ""

    def clean_assignee(self):
        value = self.cleaned_data["assignee"]
        if value == KEEP:
            return KEEP
        if value == UNASSIGN:
            return None
        return self.staff[value]


class PostBodyForm(forms.Form):
    """Write or revise a post. `version` detects an edit that crossed another change."""

    body = forms.CharField(
        label="Post text",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": 500, "data-post-editor": "", "spellcheck": "true"}),
        help_text="Plain words, short sentences. No names, phone numbers, house numbers or plates.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput(), required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class AlertForm(PostBodyForm):
    precinct = forms.TypedChoiceField(label="Precinct", coerce=int)
    publish_now = forms.BooleanField(
        label="Urgent: publish at once (a second supervisor reviews it afterwards)", required=False
    )

    def __init__(self, *args, precincts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["precinct"].choices = [(p.pk, p.name) for p in precincts]
        self.order_fields(["precinct", "body", "publish_now"])
        style_widgets(self)


class ReviewForm(forms.Form):
    """A supervisor's decision on one post."""

    APPROVE, REQUEST_CHANGES, REJECT = "approve", "request_changes", "reject"

    decision = forms.ChoiceField(
        choices=[(APPROVE, "Approve"), (REQUEST_CHANGES, "Request changes"), (REJECT, "Reject")],
        widget=forms.HiddenInput(),
    )
    reason = forms.CharField(
        label="Reason (required to request changes or reject; the author sees it)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    publish_at = forms.DateTimeField(
        label="Publish at (leave empty to publish now)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput(), min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean(self):
        data = super().clean()
        if data.get("decision") in (self.REQUEST_CHANGES, self.REJECT) and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give a reason; the author will see it.")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, label="Reason", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        style_widgets(self)


class BulkApproveForm(forms.Form):
    posts = forms.TypedMultipleChoiceField(coerce=int, label="Posts to approve")

    def __init__(self, *args, post_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["posts"].choices = [(pk, pk) for pk in post_ids]
