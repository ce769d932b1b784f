"""The <option> lists of the search form's selects, rendered once per choice and reused.

The market list has some 280 options; building it in Python with markupsafe is cheaper than a
template loop on every page view.
"""

from __future__ import annotations

import functools

from markupsafe import Markup, escape

from exportwatch.web.labels import Option

__all__ = ["options_html"]


@functools.lru_cache(maxsize=256)
def options_html(options: tuple[Option, ...], selected: str = "") -> Markup:
    """`<option>`s (in `<optgroup>`s where options name a group), `selected` marked.

    A selected value that is not among the options is kept as an option of its own, so a
    re-rendered form still submits what the user sent.
    """
    parts = [Markup('<option value="">Any</option>')]
    if selected and all(option.value != selected for option in options):
        parts.append(Markup('<option value="{0}" selected>{0}</option>').format(selected))
    group = ""
    for option in options:
        if option.group != group:
            if group:
                parts.append(Markup("</optgroup>"))
            parts.append(Markup('<optgroup label="{}">').format(option.group))
            group = option.group
        mark = Markup(" selected") if option.value == selected else Markup("")
        parts.append(
            Markup('<option value="{}"{}>{}</option>').format(option.value, mark, option.label)
        )
    if group:
        parts.append(Markup("</optgroup>"))
    return escape("").join(parts)
