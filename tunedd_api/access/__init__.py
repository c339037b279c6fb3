"""Who may call the API and what each caller sees: API keys, owners, rate limits."""
