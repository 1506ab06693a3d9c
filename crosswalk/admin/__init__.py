"""Django admin: the corpus, and the curation of mappings."""

from crosswalk.admin import corpus, mappings

__all__ = ["corpus", "mappings"]
