package filestore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"atmshop/core"
)

// BenchmarkTransferSessions is many sessions sharing one Bank, as the SSH
// server runs them: sessions goroutines, each transferring between its own
// two accounts, b.N durable transfers in all. The store's committer lets
// transfers that are ready at once share one journal write and one fsync,
// so fsyncs/op falls below 1 as sessions grow; each Transfer still returns
// only once its own transfer is durable. Compare ns/op across the
// sub-benchmarks (bin/bench -only group sets them next to SQLite).
func BenchmarkTransferSessions(b *testing.B) {
	for _, sessions := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("sessions=%d", sessions), func(b *testing.B) {
			bank, store := benchBank(b)
			var seeds []core.UserSeed
			for i := range 2 * sessions {
				seeds = append(seeds, core.UserSeed{Name: fmt.Sprintf("s%d", i), Password: "benchpass", Balance: 10_000_000})
			}
			if err := bank.Bootstrap(context.Background(), seeds); err != nil {
				b.Fatal(err)
			}
			var left atomic.Int64
			left.Store(int64(b.N))
			before := store.Fsyncs()
			b.ResetTimer()
			var wg sync.WaitGroup
			errs := make(chan error, sessions)
			for i := range sessions {
				from, to := seeds[2*i].Name, seeds[2*i+1].Name
				wg.Go(func() {
					for left.Add(-1) >= 0 {
						if _, err := bank.Transfer(context.Background(), core.TransferRequest{Ref: core.NewTransferRef(), From: from, To: to, Amount: 1}); err != nil {
							errs <- err
							return
						}
						from, to = to, from
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(store.Fsyncs()-before)/float64(b.N), "fsyncs/op")
		})
	}
}
