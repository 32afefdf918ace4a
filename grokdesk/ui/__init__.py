"""The desktop face of grokdesk: Qt widgets over the Qt-free chat core.

Widgets paint and forward intent; the conversation model and the chat controller
talk to the history and the network (see docs/CONTRACTS.md and the architecture notes).
"""
