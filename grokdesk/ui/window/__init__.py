"""The main window's own concerns, one presenter each: what the window object composes."""
