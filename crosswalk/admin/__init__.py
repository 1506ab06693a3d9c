"""Django admin: the corpus, the topic map, the curation of mappings, and the curators and
reviewers."""

from crosswalk.admin import corpus, mappings, topics, users

__all__ = ["corpus", "mappings", "topics", "users"]
