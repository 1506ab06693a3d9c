"""The base form of every admin page: text arrives with Unix line endings.

Browsers submit a textarea's line breaks as CRLF; stored as they come, a re-save of unchanged
text would record a change and put "\\r\\n" into provision texts and rationales."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.datastructures import MultiValueDict

from crosswalk.services import normalise_newlines


def _normalised(data: Any) -> Any:
    if isinstance(data, MultiValueDict):  # QueryDict: what a request brings
        copy = data.copy()
        for key, values in copy.lists():
            copy.setlist(key, [normalise_newlines(v) for v in values])
        return copy
    return {key: normalise_newlines(value) for key, value in data.items()}


class AdminForm(forms.ModelForm):
    """Normalises the submitted data before anything reads it (cleaning, has_changed, history)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self.data = _normalised(self.data)
