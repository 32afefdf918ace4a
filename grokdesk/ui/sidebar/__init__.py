"""The conversation list on the window's left: the list model and the widget showing it."""
