"""Form widgets drawn in Python where a template per option costs more than the page."""

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    """What django/forms/widgets/attrs.html writes: ` name="value"`, a bare ` name` for True,
    nothing for False."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {conditional_escape(name)}")
        else:
            out.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(out)


class QuickSelect(forms.Select):
    """A `<select>` written to the letter of Django's select.html and select_option.html.

    The template engine renders two includes per option (the option and its attributes): a
    filter with a hundred cells and two dozen categories spent more time there than in all
    the page's queries. The markup is the same, so the page looks and behaves as before.
    """

    def render(self, name, value, attrs=None, renderer=None):
        choices = [choice for choice in self.choices]  # list() would count a queryset
        if self.allow_multiple_selected or any(
            isinstance(label, list | tuple) for _, label in choices
        ):
            return self._render_groups(name, value, attrs)
        wanted = set(self.format_value(value))
        attrs = _attrs(self.build_attrs(self.attrs, attrs))
        parts = [f'<select name="{conditional_escape(name)}"{attrs}>']
        for option, label in choices:
            option = "" if option is None else str(option)
            selected = option in wanted
            if selected:
                wanted = ()  # one option selected, as ChoiceWidget.optgroups does
            parts.append(
                f'\n  <option value="{conditional_escape(option)}"'
                f"{' selected' if selected else ''}>{conditional_escape(label)}</option>\n"
            )
        parts.append("\n</select>")
        return mark_safe("".join(parts))

    def _render_groups(self, name, value, attrs):
        """Through Django's option dictionaries: with groups, or several selected."""
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))
