"""What Go's compiler, assembler and linker make of a function with a large frame, release by release.

``frames`` mirrors obj7.go's prologue, epilogue and stack check; ``bigstack`` is the body of the
reproducers' ``main.big_stack`` as each release compiles it; ``standins`` are its callers and
runtime.asyncPreempt; ``program`` lays them out and keeps the function table the runtime reads
(findfunc, pcsp, the UnsafePoint pcdata).
"""
