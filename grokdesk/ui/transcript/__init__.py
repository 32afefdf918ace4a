"""The chat pane: the transcript of one conversation, one view per message, the live
answer streaming into the last one, and the guarded rich-text rendering they share.
"""
