"""The program running for real: one goroutine in unicorn, on a stack, with the runtime's g beside it.

``machine`` runs the program and hands out immutable snapshots; ``unicorn_cpu`` is the one binding
to the emulator; ``goroutine`` is the runtime around it (g, m and p where the real ones sat, the
stack's bounds as newproc1 sets them).
"""
