"""The HTTP side: OpenAI-compatible chat completions, streamed and not. Qt-free."""
