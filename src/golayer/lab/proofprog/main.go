// Command labproof is golayer's runtime proof workload (`golayer lab runtime`).
//
// It holds a live heap of -live bytes (4 KiB objects with pointers, a few of them replaced per
// request), and runs -workers goroutines that each loop "requests": allocate -alloc bytes of
// short-lived buffers (every page written, so the cgroup is charged), hash them, finish. It
// prints JSON lines on stdout:
//
//	{"golayer_proof":"start", ...}   Go version, GOMAXPROCS chosen, GOMEMLIMIT/GOGC in effect
//	{"golayer_proof":"sample", ...}  every -sample: cgroup memory usage, heap, GC cycles
//	{"golayer_proof":"report", ...}  at the end of -duration, or on SIGTERM/SIGINT
//
// The cgroup is read from inside the container (v1: memory.usage_in_bytes,
// memory.max_usage_in_bytes, cpu.stat; v2: memory.current, memory.peak, cpu.stat), so the
// samples survive an OOM kill in the container's log.
package main

import (
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type item struct {
	refs [4]*item
	data [4096 - 32]byte
}

var (
	live     []*item
	liveMu   sync.Mutex
	ops      atomic.Int64
	sink     atomic.Uint64
	start    = time.Now()
	stdoutMu sync.Mutex
)

func emit(v map[string]any) {
	b, _ := json.Marshal(v)
	stdoutMu.Lock()
	os.Stdout.Write(append(b, '\n'))
	stdoutMu.Unlock()
}

// ---------------------------------------------------------------- cgroup (read inside the container)

type cgroupFiles struct {
	version                    int
	usage, peak, cpu, cpuUsage string // cpuUsage: v1 cpuacct.usage (ns); v2 reads usage_usec from cpu.stat
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func findCgroup() cgroupFiles {
	if exists("/sys/fs/cgroup/memory/memory.usage_in_bytes") {
		cpu := "/sys/fs/cgroup/cpu/cpu.stat"
		if !exists(cpu) {
			cpu = "/sys/fs/cgroup/cpu,cpuacct/cpu.stat"
		}
		acct := "/sys/fs/cgroup/cpuacct/cpuacct.usage"
		if !exists(acct) {
			acct = "/sys/fs/cgroup/cpu,cpuacct/cpuacct.usage"
		}
		return cgroupFiles{1, "/sys/fs/cgroup/memory/memory.usage_in_bytes", "/sys/fs/cgroup/memory/memory.max_usage_in_bytes", cpu, acct}
	}
	if exists("/sys/fs/cgroup/memory.current") {
		peak := "/sys/fs/cgroup/memory.peak"
		if !exists(peak) {
			peak = ""
		}
		return cgroupFiles{2, "/sys/fs/cgroup/memory.current", peak, "/sys/fs/cgroup/cpu.stat", ""}
	}
	return cgroupFiles{}
}

func readInt(p string) int64 {
	if p == "" {
		return -1
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return -1
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

func cpuStat(p string) map[string]int64 {
	out := map[string]int64{}
	b, err := os.ReadFile(p)
	if err != nil {
		return out
	}
	for _, ln := range strings.Split(string(b), "\n") {
		f := strings.Fields(ln)
		if len(f) == 2 {
			if n, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				out[f[0]] = n
			}
		}
	}
	if us, ok := out["throttled_usec"]; ok { // cgroup v2
		out["throttled_time"] = us * 1000
	}
	if us, ok := out["usage_usec"]; ok {
		out["usage_ns"] = us * 1000
	}
	return out
}

// cgroupCPU is the CPU time the whole container used, in nanoseconds (-1 when unknown).
func cgroupCPU(cg cgroupFiles) int64 {
	if cg.cpuUsage != "" {
		return readInt(cg.cpuUsage)
	}
	if ns, ok := cpuStat(cg.cpu)["usage_ns"]; ok {
		return ns
	}
	return -1
}

// ---------------------------------------------------------------- runtime/metrics

var metricNames = []string{
	"/gc/cycles/total:gc-cycles",
	"/cpu/classes/gc/total:cpu-seconds",
	"/cpu/classes/total:cpu-seconds",
	"/cpu/classes/idle:cpu-seconds",
	"/gc/heap/goal:bytes",
	"/gc/heap/live:bytes",
	"/gc/gomemlimit:bytes",
	"/gc/gogc:percent",
	"/sched/gomaxprocs:threads",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
	"/godebug/non-default-behavior/containermaxprocs:events",
}

func readMetrics() map[string]float64 {
	known := map[string]bool{}
	for _, d := range metrics.All() {
		known[d.Name] = true
	}
	var samples []metrics.Sample
	for _, n := range metricNames {
		if known[n] {
			samples = append(samples, metrics.Sample{Name: n})
		}
	}
	metrics.Read(samples)
	out := map[string]float64{}
	for _, s := range samples {
		switch s.Value.Kind() {
		case metrics.KindUint64:
			out[s.Name] = float64(s.Value.Uint64())
		case metrics.KindFloat64:
			out[s.Name] = s.Value.Float64()
		}
	}
	return out
}

// ---------------------------------------------------------------- workload

func newItem(r *rand.Rand) *item {
	it := &item{}
	it.data[0] = byte(r.Uint32())
	it.data[len(it.data)-1] = 1
	return it
}

func buildLive(n int) {
	r := rand.New(rand.NewPCG(1, 2))
	live = make([]*item, n)
	for i := range live {
		live[i] = newItem(r)
		if i > 0 {
			live[i].refs[0] = live[r.IntN(i)]
		}
	}
}

func request(r *rand.Rand, alloc int, churn float64, chunk int) {
	var h uint64 = 14695981039346656037
	for left := alloc; left > 0; left -= chunk {
		n := min(chunk, left)
		b := make([]byte, n)
		for i := 0; i < n; i += 512 { // write every 512th byte: every page is charged
			b[i] = byte(i)
			h = (h ^ uint64(b[i])) * 1099511628211
		}
		sink.Add(uint64(b[n-1]))
	}
	if len(live) > 0 && r.Float64() < churn {
		it := newItem(r)
		i := r.IntN(len(live))
		liveMu.Lock()
		it.refs[0] = live[r.IntN(len(live))]
		live[i] = it
		liveMu.Unlock()
	}
	sink.Add(h)
}

func main() {
	liveBytes := flag.Int64("live", 150<<20, "live heap in bytes")
	alloc := flag.Int("alloc", 64<<10, "bytes of short-lived buffers per request")
	chunk := flag.Int("chunk", 8<<10, "size of one buffer")
	churn := flag.Float64("churn", 0.05, "share of requests that replace one live object")
	workers := flag.Int("workers", 4, "goroutines running requests")
	duration := flag.Duration("duration", 5*time.Second, "how long to run requests")
	sample := flag.Duration("sample", 50*time.Millisecond, "sampling interval")
	rate := flag.Float64("rate", 0, "requests per second across all workers (0: as fast as possible); "+
		"latency then counts from each request's scheduled start")
	flag.Parse()

	cg := findCgroup()
	bi, _ := debug.ReadBuildInfo()
	settings := map[string]string{}
	goVersion := runtime.Version()
	if bi != nil {
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
	}
	m0 := readMetrics()
	emit(map[string]any{
		"golayer_proof": "start", "go_version": goVersion, "gomaxprocs": runtime.GOMAXPROCS(0),
		"num_cpu": runtime.NumCPU(), "gomemlimit": int64(m0["/gc/gomemlimit:bytes"]),
		"gogc": int64(m0["/gc/gogc:percent"]), "default_godebug": settings["DefaultGODEBUG"],
		"env": map[string]string{"GOMEMLIMIT": os.Getenv("GOMEMLIMIT"), "GOGC": os.Getenv("GOGC"),
			"GOMAXPROCS": os.Getenv("GOMAXPROCS"), "GODEBUG": os.Getenv("GODEBUG")},
		"cgroup_version": cg.version,
		"cgroup_memory_limit": func() int64 {
			if cg.version == 1 {
				return readInt("/sys/fs/cgroup/memory/memory.limit_in_bytes")
			}
			return -1
		}(),
	})

	var lat [][]float32 // per worker, microseconds
	var latMu sync.Mutex
	done := make(chan struct{})
	var once sync.Once
	var peakSeen atomic.Int64
	var phase atomic.Value
	phase.Store("live")

	report := func(reason string) {
		once.Do(func() {
			close(done)
			elapsed := time.Since(start).Seconds()
			m := readMetrics()
			latMu.Lock()
			var all []float32
			for _, l := range lat {
				all = append(all, l...)
			}
			latMu.Unlock()
			sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
			pct := func(p float64) float64 {
				if len(all) == 0 {
					return -1
				}
				return float64(all[min(len(all)-1, int(p*float64(len(all))))])
			}
			peak := readInt(cg.peak)
			if s := peakSeen.Load(); s > peak {
				peak = s
			}
			emit(map[string]any{
				"golayer_proof": "report", "reason": reason, "elapsed_s": elapsed,
				"ops": ops.Load(), "ops_per_s": float64(ops.Load()) / max(runDur().Seconds(), 1e-9),
				"latency_p50_us": pct(0.50), "latency_p99_us": pct(0.99), "latency_max_us": pct(1.0),
				"gc_cycles":      int64(m["/gc/cycles/total:gc-cycles"]),
				"gc_cpu_seconds": m["/cpu/classes/gc/total:cpu-seconds"],
				"cpu_seconds":    m["/cpu/classes/total:cpu-seconds"] - m["/cpu/classes/idle:cpu-seconds"],
				"heap_goal":      int64(m["/gc/heap/goal:bytes"]), "heap_live": int64(m["/gc/heap/live:bytes"]),
				"gomaxprocs": int64(m["/sched/gomaxprocs:threads"]), "gomemlimit": int64(m["/gc/gomemlimit:bytes"]),
				"containermaxprocs_nondefault": int64(m["/godebug/non-default-behavior/containermaxprocs:events"]),
				"cgroup_peak_bytes": peak, "cpu_stat": cpuStat(cg.cpu), "cgroup_cpu_ns": cgroupCPU(cg),
			})
		})
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		s := <-sig
		report("signal " + s.String())
		os.Exit(0)
	}()

	go func() { // sampler
		t := time.NewTicker(*sample)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			m := readMetrics()
			u, p := readInt(cg.usage), readInt(cg.peak)
			if p > peakSeen.Load() {
				peakSeen.Store(p)
			}
			if u > peakSeen.Load() {
				peakSeen.Store(u)
			}
			emit(map[string]any{"golayer_proof": "sample", "t": time.Since(start).Seconds(),
				"phase": phase.Load(), "cgroup_usage": u, "cgroup_peak": p,
				"go_total": int64(m["/memory/classes/total:bytes"] - m["/memory/classes/heap/released:bytes"]),
				"heap_goal": int64(m["/gc/heap/goal:bytes"]), "gc_cycles": int64(m["/gc/cycles/total:gc-cycles"]),
				"ops": ops.Load()})
		}
	}()

	buildLive(int(*liveBytes / int64(unsafeSizeofItem)))
	phase.Store("requests")
	reqStart = time.Now()
	deadline := reqStart.Add(*duration)
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		mine := make([]float32, 0, 1<<16)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 7))
			var interval time.Duration
			if *rate > 0 {
				interval = time.Duration(float64(time.Second) * float64(*workers) / *rate)
			}
			next := reqStart.Add(time.Duration(seed) * interval / time.Duration(*workers))
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if interval > 0 {
					if d := time.Until(next); d > 0 {
						time.Sleep(d)
					}
					t0 = next
					next = next.Add(interval)
					if !next.Before(deadline) && !time.Now().Before(deadline) {
						break
					}
				}
				request(r, *alloc, *churn, *chunk)
				us := float32(time.Since(t0).Microseconds())
				if len(mine) < 1<<20 {
					mine = append(mine, us)
				}
				ops.Add(1)
			}
			latMu.Lock()
			lat = append(lat, mine)
			latMu.Unlock()
		}(uint64(w + 1))
	}
	wg.Wait()
	reqEnd = time.Now()
	runtime.KeepAlive(live)
	report("done")
}

const unsafeSizeofItem = 4096

var reqStart, reqEnd time.Time

func runDur() time.Duration {
	if reqStart.IsZero() {
		return 0
	}
	if reqEnd.IsZero() {
		return time.Since(reqStart)
	}
	return reqEnd.Sub(reqStart)
}
