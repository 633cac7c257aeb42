"""Form widgets rendered in Python.

Django renders each widget through small templates (a select through two per
``<option>``); the desk's pages show a few hundred options (agents, statuses,
groups...) and a few dozen fields, which made the widgets the largest part of
a page's rendering. These widgets write the same HTML directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe

_NONE = mark_safe("")
_SELECTED = mark_safe(" selected")


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """As Django's ``attrs.html``, in the same order: True writes the bare
    name, False nothing."""
    if not attrs:
        return _NONE
    if attrs == {"selected": True}:
        return _SELECTED
    # Each part is escaped by format_html.
    return mark_safe(
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
            for name, value in attrs.items()
            if value is not False
        )
    )


def _option(value: Any, label: Any, selected: bool) -> str:
    return (
        f'\n  <option value="{escape(value)}"{_SELECTED if selected else _NONE}>'
        f"{conditional_escape(label)}</option>\n"
    )


class KeptChoices(BaseChoiceIterator):
    """Flat choices kept between requests (built once per reference data and
    language, ``Reference.kept``), with the HTML of each ``<option>`` written
    once: a select offering them renders by joining those pieces.

    Labels are turned into text when the choices are built: build them in the
    language they are shown in."""

    def __init__(self, pairs: Iterable[tuple[Any, Any]]) -> None:
        self.pairs = tuple(("" if v is None else v, str(label)) for v, label in pairs)
        # (value as compared with the selected ones, HTML, HTML when selected)
        self.options = tuple(
            (str(v), _option(v, label, False), _option(v, label, True)) for v, label in self.pairs
        )

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


class _QuickRender:
    """``render`` for a select: the HTML of Django's ``select.html``."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        choices = self.choices  # type: ignore[attr-defined]
        if isinstance(choices, KeptChoices):
            return self._render_kept(choices, name, value, attrs)
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]
        parts: list[str] = [
            format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))
        ]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(format_html('\n  <optgroup label="{}">', group))
            parts.extend(
                f'\n  <option value="{escape(option["value"])}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
                for option in options
            )
            if group:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        # Every part is escaped by format_html.
        return mark_safe("".join(parts))

    def _render_kept(
        self, choices: KeptChoices, name: str, value: Any, attrs: dict[str, Any] | None
    ) -> SafeString:
        """What ``render`` writes, from the options' HTML written beforehand."""
        final = self.build_attrs(self.attrs, attrs)  # type: ignore[attr-defined]
        multiple = self.allow_multiple_selected  # type: ignore[attr-defined]
        if multiple:
            final["multiple"] = True
        wanted = self.format_value(value)  # type: ignore[attr-defined]
        parts: list[str] = [format_html('<select name="{}"{}>', name, _attrs(final))]
        if wanted:
            # As ``optgroups``: a single select marks its first match only.
            found = False
            for option_value, plain, selected in choices.options:
                if (multiple or not found) and option_value in wanted:
                    parts.append(selected)
                    found = True
                else:
                    parts.append(plain)
        else:
            parts.extend(plain for _value, plain, _selected in choices.options)
        parts.append("\n</select>")
        # Values and labels were escaped when the options were written.
        return mark_safe("".join(parts))


class QuickSelect(_QuickRender, forms.Select):
    pass


class QuickSelectMultiple(_QuickRender, forms.SelectMultiple):
    pass


class _QuickInput:
    """``render`` for an ``<input>``: the HTML of Django's ``input.html``."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]
        shown = widget["value"]
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            format_html(' value="{}"', str(shown)) if shown is not None else "",
            _attrs(widget["attrs"]),
        )


class _QuickTextarea:
    """``render`` for a ``<textarea>``: the HTML of Django's ``textarea.html``."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]
        return format_html(
            '<textarea name="{}"{}>\n{}</textarea>',
            widget["name"],
            _attrs(widget["attrs"]),
            widget["value"] or "",
        )


def _input(widget: dict[str, Any]) -> str:
    shown = widget["value"]
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        widget["type"],
        widget["name"],
        format_html(' value="{}"', str(shown)) if shown is not None else "",
        _attrs(widget["attrs"]),
    )


class _QuickMultipleInput:
    """``render`` for radio buttons and check boxes: the HTML of Django's
    ``multiple_input.html`` and ``input_option.html``."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]
        own = widget["attrs"]
        parts: list[str] = [
            format_html(
                "<div{}{}>",
                format_html(' id="{}"', own["id"]) if own.get("id") else "",
                format_html(' class="{}"', own["class"]) if own.get("class") else "",
            )
        ]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(format_html("\n  <div><label>{}</label>", group))
            for option in options:
                html = _input(option) + "\n"
                if option["wrap_label"]:
                    target = option["attrs"].get("id")
                    html = format_html(
                        "<label{}>{} {}</label>",
                        format_html(' for="{}"', target) if target else "",
                        mark_safe(html),
                        option["label"],
                    )
                # The option templates each end their file with a new line.
                parts.append(f"<div>\n    {html}\n\n</div>")
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>")
        # Every part is escaped by format_html.
        return mark_safe("".join(parts))


class QuickRadioSelect(_QuickMultipleInput, forms.RadioSelect):
    pass


class QuickCheckboxSelectMultiple(_QuickMultipleInput, forms.CheckboxSelectMultiple):
    pass


class QuickTextInput(_QuickInput, forms.TextInput):
    pass


class QuickHiddenInput(_QuickInput, forms.HiddenInput):
    pass


class QuickNumberInput(_QuickInput, forms.NumberInput):
    pass


class QuickDateInput(_QuickInput, forms.DateInput):
    pass


class QuickEmailInput(_QuickInput, forms.EmailInput):
    pass


class QuickTextarea(_QuickTextarea, forms.Textarea):
    pass


class QuickCheckboxInput(_QuickInput, forms.CheckboxInput):
    pass


# ``BoundField.widget_type`` is read from the class name, and templates lay a
# check box out by it ("checkbox"): keep it.
QuickCheckboxInput.__name__ = "CheckboxInput"


_QUICK: dict[type, type] = {
    forms.Select: QuickSelect,
    forms.SelectMultiple: QuickSelectMultiple,
    forms.TextInput: QuickTextInput,
    forms.HiddenInput: QuickHiddenInput,
    forms.NumberInput: QuickNumberInput,
    forms.DateInput: QuickDateInput,
    forms.EmailInput: QuickEmailInput,
    forms.Textarea: QuickTextarea,
    forms.RadioSelect: QuickRadioSelect,
    forms.CheckboxSelectMultiple: QuickCheckboxSelectMultiple,
    forms.CheckboxInput: QuickCheckboxInput,
}


def quicken(form: forms.BaseForm) -> None:
    """Make the select boxes, inputs and text areas of ``form`` render in
    Python (same HTML), for a form that does not use ``QuickSelects``."""
    for field in form.fields.values():
        quick = _QUICK.get(type(field.widget))
        if quick is not None:
            field.widget.__class__ = quick


class QuickSelects:
    """A form mixin: its select boxes, text inputs and text areas render in
    Python (same HTML); other widgets keep their templates."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.quicken_selects()

    def quicken_selects(self) -> None:
        """Call again after adding fields."""
        quicken(self)  # type: ignore[arg-type]
