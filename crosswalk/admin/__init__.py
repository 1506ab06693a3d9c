"""Django admin: the corpus, the topic map, and the curation of mappings."""

from crosswalk.admin import corpus, mappings, topics

__all__ = ["corpus", "mappings", "topics"]
