"""Evaluation of retrieval and answers against a labelled question set over the papers."""
