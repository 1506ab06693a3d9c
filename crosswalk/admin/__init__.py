"""Django admin: the corpus, the curation of mappings, and the curators and reviewers."""

from crosswalk.admin import corpus, mappings, users

__all__ = ["corpus", "mappings", "users"]
