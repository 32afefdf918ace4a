"""The window's dialogs and the pages inside them: preferences, per-chat settings, welcome,
help, file choosers, export/import progress, and the focus hand-back when one closes.

Every module here except ``focus_keeper`` is imported on first use, never at start-up.
"""
