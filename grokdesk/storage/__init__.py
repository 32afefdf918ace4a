"""Local history: one SQLite file shared by the window and the command line. Qt-free."""
