"""Render every form with the U.S. Web Design System's markup."""

from django import forms
from django.forms.renderers import TemplatesSetting

_WIDGET_CLASSES = {
    forms.CheckboxInput: "usa-checkbox__input",
    forms.Select: "usa-select",
    forms.Textarea: "usa-textarea",
    forms.widgets.Input: "usa-input",
}


class USWDSRenderer(TemplatesSetting):
    field_template_name = "partials/_field.html"


def style_widgets(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        for widget_type, css in _WIDGET_CLASSES.items():
            if isinstance(field.widget, widget_type):
                field.widget.attrs.setdefault("class", css)
                break
