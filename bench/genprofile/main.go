// Command genprofile writes a large real heap profile for timing the
// profile parser: with every allocation sampled (MemProfileRate=1) it walks
// a binary recursion tree of two functions, a and b, each calling both, and
// allocates once at each leaf, so every leaf has its own stack and the
// profile holds one sample per leaf.
//
//	GO111MODULE=off go run bench/genprofile/main.go OUT.pb.gz [LEAVES]   (default 400000)
//
// The stacks are 19 calls deep (2^19 = 524288 possible leaves) plus
// main.main and runtime frames, within the 32 frames the runtime records.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
)

const depth = 19

var (
	want  int
	made  int
	keep  [][]byte
	sizes = []int{16, 48, 128, 512}
)

//go:noinline
func leaf() {
	keep = append(keep, make([]byte, sizes[made%len(sizes)]))
	made++
}

//go:noinline
func a(d int) {
	if made >= want {
		return
	}
	if d == 0 {
		leaf()
		return
	}
	a(d - 1)
	b(d - 1)
}

//go:noinline
func b(d int) {
	if made >= want {
		return
	}
	if d == 0 {
		leaf()
		return
	}
	a(d - 1)
	b(d - 1)
}

func main() {
	runtime.MemProfileRate = 1
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: genprofile OUT.pb.gz [LEAVES]")
		os.Exit(2)
	}
	want = 400000
	if len(os.Args) > 2 {
		n, err := strconv.Atoi(os.Args[2])
		if err != nil || n <= 0 || n > 1<<depth {
			fmt.Fprintln(os.Stderr, "genprofile: bad LEAVES")
			os.Exit(2)
		}
		want = n
	}
	keep = make([][]byte, 0, want)
	a(depth)
	runtime.GC()
	f, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "genprofile:", err)
		os.Exit(1)
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "genprofile:", err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "genprofile:", err)
		os.Exit(1)
	}
	runtime.KeepAlive(keep)
	fmt.Printf("%d leaves allocated\n", made)
}
