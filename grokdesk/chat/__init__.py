"""The chat core shared by the window and the command line. Qt-free."""
