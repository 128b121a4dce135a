package main

import ("os"; "runtime"; "sync/atomic"; "time") // one line: big_stack keeps its line numbers

//go:noinline
func sink(b []byte) int { return int(b[0]) }

//go:noinline
func big_stack(val int) int {
	var big_buffer [1 << 16]byte
	sum := 0
	for i := 0; i < 16; i++ {
		big_buffer[(val*i)&0xffff] = byte(val)
	}
	for i := 0; i < 16; i++ {
		sum ^= int(big_buffer[(val*i)&0xffff])
	}
	return sum + sink(big_buffer[:])
}

// dump is set to 1 by explainer inject's debugger once goroutine 1 is parked where it was asked to be.
var dump uint32

// No GC loop: the parked goroutine is walked by a traceback of all goroutines instead.
func main() {
	go func() {
		for atomic.LoadUint32(&dump) == 0 {
			time.Sleep(time.Millisecond)
		}
		buf := make([]byte, 1<<16)
		os.Stderr.Write(buf[:runtime.Stack(buf, true)])
		os.Exit(0)
	}()
	for {
		_ = big_stack(1000)
	}
}
