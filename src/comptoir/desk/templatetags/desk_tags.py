"""Small display helpers of the desk's templates."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def ticket_rows(context: Any, rows: Any, flagged: Any = ()) -> SafeString:
    """The queue table's rows (``desk.rows``), in the agent's date format;
    ``flagged``: organisations to mark as having no contract hours left."""
    from ..rows import ticket_rows as render_rows

    return render_rows(rows, date_fmt=context["user"].date_format, flagged=flagged or ())


@register.simple_tag
def filter_field(field: Any) -> SafeString:
    """A filter or bulk-change field with its label and errors (the queue page
    shows two dozen: written in Python)."""
    errors = field.errors
    return format_html(
        '<div class="field{}">\n  <label for="{}">{}</label>\n  {}\n  {}\n</div>',
        " has-error" if errors else "",
        field.id_for_label,
        field.label,
        field,
        format_html_join("", '<p class="error">{}</p>', ((e,) for e in errors)),
    )


@register.simple_tag
def filter_fields(form: Any, names: str) -> SafeString:
    """``filter_field`` of each field named (``custom``: the custom fields),
    written once for the same input when the form keeps its HTML
    (``kept_html``: the queue page's filter and bulk forms)."""

    def render() -> SafeString:
        fields: list[Any] = []
        for name in names.split():
            fields.extend(form.custom_bound_fields() if name == "custom" else [form[name]])
        # Every part is escaped by format_html.
        return mark_safe("\n      ".join(filter_field(field) for field in fields))

    kept = getattr(form, "kept_html", None)
    return kept(names, render) if kept is not None else render()


_REQUIRED = mark_safe(' <span class="req" aria-hidden="true">*</span>')


@register.simple_tag
def field_block(field: Any, required: bool = False) -> SafeString:
    """A form field with its label, help and errors: what the template
    ``portal/_field.html`` writes, in Python (the workspace shows two dozen)."""
    errors = field.errors
    data_types = field.field.widget.attrs.get("data_types")
    star = _REQUIRED if required else ""
    parts: list[str] = [
        format_html(
            '<div class="field{}" {}>\n  ',
            " has-error" if errors else "",
            format_html('data-types="{}"', data_types) if data_types else "",
        )
    ]
    kind = field.widget_type
    if kind == "checkbox":
        parts.append(
            format_html(
                '{} <label for="{}">{}{}</label>', field, field.id_for_label, field.label, star
            )
        )
    elif kind == "checkboxselectmultiple":
        parts.append(
            format_html("<fieldset><legend>{}{}</legend>{}</fieldset>", field.label, star, field)
        )
    else:
        hidden = (
            format_html('<span class="visually-hidden">{}</span>', _("(required)"))
            if required
            else ""
        )
        label = format_html(
            '<label for="{}">{}{}{}</label>', field.id_for_label, field.label, star, hidden
        )
        parts.append(format_html("{}\n  {}", label, field))
    parts.append("\n  ")
    if field.help_text:
        parts.append(
            format_html('<p class="help" id="{}_helptext">{}</p>', field.auto_id, field.help_text)
        )
    parts.append("\n  ")
    for error in errors:
        parts.append(format_html('<p class="error" id="{}_error">{}</p>', field.auto_id, error))
    parts.append("\n</div>")
    # Every part is escaped by format_html.
    return mark_safe("".join(parts))


@register.simple_tag
def field_blocks(form: Any, names: str, indent: int = 0) -> SafeString:
    """``field_block`` of each field named, one a line indented by ``indent``
    spaces; written once for the same input when the form keeps its HTML
    (``kept_html``)."""
    glue = "\n" + " " * indent

    def render() -> SafeString:
        # Every part is escaped by format_html.
        return mark_safe(glue.join(field_block(form[name]) for name in names.split()))

    kept = getattr(form, "kept_html", None)
    return kept(names, render) if kept is not None else render()


@register.filter
def radio_tag(radio: Any) -> SafeString:
    """A radio button's ``<input>``, as ``{{ radio.tag }}`` writes it."""
    from ..widgets import _input

    return mark_safe(_input(radio.data))


@register.simple_tag(takes_context=True)
def history_entries(context: Any, entries: Any) -> SafeString:
    """The ``<li>`` of each history entry (``desk.history``), in the agent's
    date format: written in Python, a long history has hundreds."""
    from ..rows import time_element

    fmt = context["user"].date_format
    zone = timezone.get_current_timezone()
    parts: list[str] = []
    # Outside the f-string below: the catalogue's extraction does not look inside one.
    read = escape(_("read"))
    for entry in entries:
        what: list[str] = [escape(entry.text)]
        if entry.ticket_number:
            url = reverse("desk:ticket", args=[entry.ticket_number])
            what.append(f' <a href="{escape(url)}">#{escape(entry.ticket_number)}</a>')
        if entry.message_id:
            what.append(f' <a href="#message-{escape(entry.message_id)}">{read}</a>')
        if entry.old or entry.new:
            what.append(
                f": <del>{escape(entry.old or '—')}</del> → <ins>{escape(entry.new or '—')}</ins>"
            )
        css = ' class="internal"' if entry.internal else ""
        parts.append(
            f"\n      <li{css}>\n"
            f"        {time_element(entry.at, fmt, zone=zone)}\n"
            f'        <span class="who">{escape(entry.actor)}</span>\n'
            f'        <span class="what">{"".join(what)}</span>\n'
            "      </li>\n    "
        )
    # Every value is escaped above.
    return mark_safe("".join(parts))


@register.filter
def time_tag(value: Any, fmt: str) -> SafeString:
    """``<time datetime="ISO">value in fmt</time>``, as ``date:'c'`` and
    ``date:fmt`` would write it (quicker: used in long lists)."""
    from ..rows import time_element

    return time_element(value, fmt)


@register.filter
def duration(value: timedelta | None) -> str:
    """A length of (business) time in hours and minutes, sign dropped."""
    if value is None:
        return ""
    minutes = abs(int(value.total_seconds())) // 60
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


@register.filter
def is_late(value: timedelta | None) -> bool:
    return value is not None and value.total_seconds() < 0
