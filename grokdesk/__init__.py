"""grokdesk: a native desktop chat client for reasoning models."""

__version__ = "0.1.0"
