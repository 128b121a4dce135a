"""What leaves the app: the files it writes (:mod:`.save`) and untrusted text it prints (:mod:`.printable`).

Both are small and shared by every layer above the engine (course, talk, binary, realgo, the UI and the
commands), so there is one way to write a file and one way to show a name read from a binary.
"""
