"""The program running for real: one goroutine in unicorn, on a stack, with the runtime's g beside it.

``machine`` maps the program and the stack, steps the CPU and hands out immutable snapshots.
"""
