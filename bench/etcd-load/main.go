// etcd-load: the etcd side of bench/compare-etcd.sh. Built offline against
// Debian's clientv3 (golang-etcd-server-dev), GOPATH=/usr/share/gocode
// GO111MODULE=off: see bench/compare-etcd.sh.
//
//	etcd-load load     closed-loop load, of the same design as `keel-bench load`
//	etcd-load leader   prints the client URL of the current leader
//	etcd-load failover signals a member, times the first acknowledged write after it
//
// Output is one line of key=value pairs that starts with "result" (load,
// failover) or "leader", so the script parses it like keel-bench's JSON.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.etcd.io/etcd/clientv3"
)

func die(code int, format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "etcd-load: "+format+"\n", args...)
	os.Exit(code)
}

func connect(endpoints string, dialTimeout time.Duration) *clientv3.Client {
	eps := strings.Split(endpoints, ",")
	for _, ep := range eps {
		if ep == "" {
			die(2, "--endpoints: an empty endpoint in %q", endpoints)
		}
	}
	c, err := clientv3.New(clientv3.Config{Endpoints: eps, DialTimeout: dialTimeout})
	if err != nil {
		die(3, "cannot connect to %s: %v", endpoints, err)
	}
	return c
}

// keel-bench's key and value shapes (apps/keel_bench/workload.cpp): keys
// k0..k<keys-1>, values "p<client>-<seq>" padded with '.' to the size.
func keyName(i int64) string { return fmt.Sprintf("k%d", i) }

func makeValue(client int, seq uint64, size int) string {
	v := fmt.Sprintf("p%d-%d", client, seq)
	if len(v) >= size {
		return v[:size]
	}
	return v + strings.Repeat(".", size-len(v))
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

func percentile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return float64(sorted[i]) / 1e6
}

type tally struct {
	latencies []time.Duration
	errors    int
}

func runLoad(args []string) {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	endpoints := fs.String("endpoints", "", "client URL(s); give the leader's alone, as etcd's own benchmark does")
	clients := fs.Int("clients", 1, "concurrent clients (goroutines over one connection)")
	mix := fs.String("mix", "write", "write, read (linearizable) or read-serializable")
	duration := fs.Float64("duration", 10, "measured seconds")
	warmup := fs.Float64("warmup", 2, "seconds of load before the measurement")
	keys := fs.Int64("keys", 1000, "number of keys (k0, k1, ...), chosen uniformly")
	valueBytes := fs.Int("value-bytes", 100, "size of each value written")
	seed := fs.Int64("seed", 1, "PRNG seed (client i uses seed + i)")
	timeout := fs.Duration("timeout", 5*time.Second, "deadline of one operation")
	fs.Parse(args)
	if *endpoints == "" {
		die(2, "load: --endpoints is required")
	}
	if *clients < 1 || *keys < 1 || *valueBytes < 1 || *duration <= 0 || *warmup < 0 {
		die(2, "load: --clients, --keys, --value-bytes and --duration must be positive, --warmup not negative")
	}
	var read, serializable bool
	switch *mix {
	case "write":
	case "read":
		read = true
	case "read-serializable":
		read, serializable = true, true
	default:
		die(2, "load: --mix must be write, read or read-serializable (got %q)", *mix)
	}
	c := connect(*endpoints, 5*time.Second)
	defer c.Close()

	call := func(f func(ctx context.Context) error) (time.Duration, error) {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		defer cancel()
		t0 := time.Now()
		err := f(ctx)
		return time.Since(t0), err
	}
	// Like keel-bench: a read run first writes every key once, spread over the clients.
	if read {
		var wg sync.WaitGroup
		failed := make([]int, *clients)
		for i := 0; i < *clients; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				for k := int64(i); k < *keys; k += int64(*clients) {
					if _, err := call(func(ctx context.Context) error {
						_, err := c.Put(ctx, keyName(k), makeValue(i, 0, *valueBytes))
						return err
					}); err != nil {
						failed[i]++
					}
				}
			}(i)
		}
		wg.Wait()
		for _, f := range failed {
			if f > 0 {
				die(3, "load: %d preload writes failed", f)
			}
		}
	}

	cpu0 := cpuSeconds()
	wall0 := time.Now()
	start := time.Now()
	warmEnd := start.Add(time.Duration(*warmup * float64(time.Second)))
	end := warmEnd.Add(time.Duration(*duration * float64(time.Second)))
	tallies := make([]tally, *clients)
	var cpuWarm float64
	var cpuOnce sync.Once
	var wg sync.WaitGroup
	for i := 0; i < *clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(*seed + int64(i)))
			var seq uint64
			t := &tallies[i]
			for time.Now().Before(end) {
				key := keyName(rng.Int63n(*keys))
				var el time.Duration
				var err error
				started := time.Now()
				if read {
					el, err = call(func(ctx context.Context) error {
						var opts []clientv3.OpOption
						if serializable {
							opts = append(opts, clientv3.WithSerializable())
						}
						_, err := c.Get(ctx, key, opts...)
						return err
					})
				} else {
					seq++
					value := makeValue(i, seq, *valueBytes)
					el, err = call(func(ctx context.Context) error {
						_, err := c.Put(ctx, key, value)
						return err
					})
				}
				if started.Before(warmEnd) {
					continue
				}
				cpuOnce.Do(func() { cpuWarm = cpuSeconds() })
				if err != nil {
					t.errors++
					continue
				}
				t.latencies = append(t.latencies, el)
			}
		}(i)
	}
	wg.Wait()
	cpu1 := cpuSeconds()
	var all []time.Duration
	errs := 0
	for _, t := range tallies {
		all = append(all, t.latencies...)
		errs += t.errors
	}
	sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
	var sum time.Duration
	for _, d := range all {
		sum += d
	}
	mean := 0.0
	if len(all) > 0 {
		mean = float64(sum) / float64(len(all)) / 1e6
	}
	measuredCPU := cpu1 - cpuWarm
	fmt.Printf("result system=etcd mix=%s clients=%d ops=%d ops_per_s=%.1f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f mean_ms=%.3f errors=%d cpu_pct=%.1f cpu_s=%.2f wall_s=%.2f\n",
		*mix, *clients, len(all), float64(len(all)) / *duration,
		percentile(all, 0.50), percentile(all, 0.99), percentile(all, 0.999), mean, errs,
		100*measuredCPU / *duration, cpu1-cpu0, time.Since(wall0).Seconds())
	if len(all) == 0 {
		die(3, "load: no operation succeeded")
	}
}

// The leader's URL; with all, only once every member answers and agrees on it.
func leaderOf(c *clientv3.Client, endpoints []string, all bool) (string, error) {
	leader := ""
	var leaderID uint64
	for _, ep := range endpoints {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		st, err := c.Status(ctx, ep)
		cancel()
		if err != nil {
			if all {
				return "", fmt.Errorf("%s does not answer: %v", ep, err)
			}
			continue
		}
		if leaderID != 0 && st.Leader != leaderID {
			return "", errors.New("the members do not agree on a leader yet")
		}
		leaderID = st.Leader
		if st.Header.MemberId == st.Leader {
			leader = ep
		}
	}
	if leader == "" {
		return "", errors.New("no member says it is the leader")
	}
	return leader, nil
}

func runLeader(args []string) {
	fs := flag.NewFlagSet("leader", flag.ExitOnError)
	endpoints := fs.String("endpoints", "", "every member's client URL")
	wait := fs.Duration("wait", 30*time.Second, "how long to wait for a leader")
	all := fs.Bool("all", false, "also wait until every member answers and follows that leader")
	fs.Parse(args)
	c := connect(*endpoints, 5*time.Second)
	defer c.Close()
	until := time.Now().Add(*wait)
	for {
		ep, err := leaderOf(c, strings.Split(*endpoints, ","), *all)
		if err == nil {
			fmt.Printf("leader url=%s\n", ep)
			return
		}
		if time.Now().After(until) {
			die(3, "leader: %v within %v", err, *wait)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The same probe as keel-bench failover's: puts to one key back to back, each
// with a short deadline; only puts invoked after the signal count.
func runFailover(args []string) {
	fs := flag.NewFlagSet("failover", flag.ExitOnError)
	endpoints := fs.String("endpoints", "", "every member's client URL")
	pids := fs.String("pids", "", "URL=PID of every member: the leader's is signalled")
	sig := fs.String("signal", "KILL", "KILL or STOP")
	attempt := fs.Duration("op-timeout", 250*time.Millisecond, "deadline of one probe put")
	ackTimeout := fs.Duration("ack-timeout", 30*time.Second, "give up this long after the signal")
	fs.Parse(args)
	pidOf := map[string]int{}
	for _, kv := range strings.Split(*pids, ",") {
		var pid int
		i := strings.LastIndex(kv, "=")
		if i < 0 {
			die(2, "failover: --pids wants URL=PID,... (got %q)", *pids)
		}
		if _, err := fmt.Sscan(kv[i+1:], &pid); err != nil || pid <= 0 {
			die(2, "failover: --pids: %q is not URL=PID", kv)
		}
		pidOf[kv[:i]] = pid
	}
	signals := map[string]syscall.Signal{"KILL": syscall.SIGKILL, "STOP": syscall.SIGSTOP}
	s, ok := signals[*sig]
	if !ok {
		die(2, "failover: --signal must be KILL or STOP (got %q)", *sig)
	}
	c := connect(*endpoints, 5*time.Second)
	defer c.Close()
	put := func(seq int) error {
		ctx, cancel := context.WithTimeout(context.Background(), *attempt)
		defer cancel()
		_, err := c.Put(ctx, "failover-probe", fmt.Sprintf("failover-%d", seq))
		return err
	}
	warm := false
	for i := 0; i < 100 && !warm; i++ {
		warm = put(i) == nil
	}
	if !warm {
		die(3, "failover: no write was acknowledged before the signal")
	}
	// The leader is looked up right before the signal: etcd has no pre-vote by
	// default, so a member resumed after an earlier SIGSTOP may have taken the
	// leadership since the caller last looked.
	leader, err := leaderOf(c, strings.Split(*endpoints, ","), true)
	if err != nil {
		die(3, "failover: %v", err)
	}
	pid, ok := pidOf[leader]
	if !ok {
		die(2, "failover: --pids names no PID for the leader %s", leader)
	}
	t0 := time.Now()
	if err := syscall.Kill(pid, s); err != nil {
		die(3, "failover: cannot send SIG%s to %d: %v", *sig, pid, err)
	}
	for tried := 1; ; tried++ {
		err := put(tried)
		if err == nil {
			fmt.Printf("result system=etcd signal=%s signalled=%s failover_ms=%.1f writes_tried=%d\n",
				*sig, leader, float64(time.Since(t0))/1e6, tried)
			return
		}
		if time.Since(t0) > *ackTimeout {
			die(3, "failover: no write acknowledged within %v of SIG%s: %v", *ackTimeout, *sig, err)
		}
	}
}

func main() {
	if len(os.Args) < 2 {
		die(2, "usage: etcd-load load|leader|failover [flags]")
	}
	switch os.Args[1] {
	case "load":
		runLoad(os.Args[2:])
	case "leader":
		runLeader(os.Args[2:])
	case "failover":
		runFailover(os.Args[2:])
	default:
		die(2, "unknown command %q: use load, leader or failover", os.Args[1])
	}
}
