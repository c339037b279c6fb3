"""The production backend: Weaviate document store and Ollama models, run as services."""
