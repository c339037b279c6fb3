"""Batch scoring of short texts: validated records, a database, and (next) the inference worker."""
