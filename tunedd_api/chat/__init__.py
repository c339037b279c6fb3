"""Chat: message → history → scoped retrieval → prompt → LLM → answer with citations."""
