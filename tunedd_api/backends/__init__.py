"""The swappable parts under the pipelines: document store, embedders, retriever, chat model."""
