"""Indexing: PDF files → pages → page-aware chunks → embeddings → document store."""
