"""The Go runtime's side of the race: preempting a goroutine, and walking its stack afterwards.

``preempt`` mirrors runtime/preempt.go (isAsyncSafePoint) and signal_arm64.go (pushCall), then
runs asyncPreempt for real; ``unwind`` mirrors runtime.(*unwinder) in runtime/traceback.go and
prints the runtime's own words.
"""
