"""Linked Data: IRIs and URLs, descriptions, page views, dataset summary, VoID, dumps."""
