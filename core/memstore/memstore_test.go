package memstore_test

import (
	"testing"

	"atmshop/core/memstore"
	"atmshop/core/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		s := memstore.New()
		return storetest.Harness{Store: s, DamageAccount: s.DamageAccount, DamageLedger: s.DamageLedger, DamageSettings: s.DamageSettings}
	})
}
