"""The status bar along the window's foot: one widget per file, the bar composes them."""
