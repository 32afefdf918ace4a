"""The main window's own concerns, one presenter each: what the window object composes."""

NEW_CHAT_TITLE = "New chat"
"""What the window and its dialogs call a chat not stored yet."""
