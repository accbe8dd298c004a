package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// bankDoc is db/bank.json, the settings a bank's data is fixed to.
type bankDoc struct {
	// TimeZone is the IANA name of the zone the ledger's months follow.
	TimeZone string `json:"time_zone"`
}

const bankDocName = "bank.json"

// SetUpZone fixes the bank's time zone and sets b.Zone; call it once at
// start-up, before anything is written (before Bootstrap). A ledger month
// is a month in the bank's zone, whatever the zone of the process, so the
// zone is chosen once and stored in db/bank.json:
//
//   - a stored zone is used from then on; a configured zone (config's
//     [bank] time_zone, "" when not set) that differs from it is refused;
//   - a new bank takes the configured zone, else the machine's;
//   - a bank written before the zone was stored keeps the machine's zone,
//     the one its months were written in (a different configured zone is
//     refused); if the machine's zone has no name, the configured one.
//
// machine names the machine's zone (localzone.Name). When it cannot and
// nothing is configured, the bank uses UTC and logs a warning saying to set
// [bank] time_zone.
func (b *Bank) SetUpZone(ctx context.Context, configured string, machine func() (string, error)) error {
	if configured != "" {
		if _, err := loadZone(configured); err != nil {
			return fmt.Errorf("[bank] time_zone = %q: %w", configured, err)
		}
	}
	var name, stored string
	var machineErr error
	err := b.Store.Update(ctx, func(tx Tx) error {
		name, stored, machineErr = "", "", nil
		data, err := tx.Get(bankDocName)
		if err == nil {
			var d bankDoc
			if err := decodeStrict(data, &d); err != nil {
				return fmt.Errorf("%w %s: %v", ErrCorrupt, b.Store.Path(bankDocName), err)
			}
			if _, err := loadZone(d.TimeZone); err != nil {
				return fmt.Errorf("%w %s: time_zone %q: %v", ErrCorrupt, b.Store.Path(bankDocName), d.TimeZone, err)
			}
			if configured != "" && configured != d.TimeZone {
				return fmt.Errorf("[bank] time_zone is %q, but this bank's ledger follows %q (stored in %s): a bank's time zone cannot change, or its months would no longer match; set time_zone = %s or remove it", configured, d.TimeZone, b.Store.Path(bankDocName), d.TimeZone)
			}
			name, stored = d.TimeZone, d.TimeZone
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("read %s: %w", bankDocName, err)
		}
		accounts, err := tx.List("accounts")
		if err != nil {
			return fmt.Errorf("list accounts: %w", err)
		}
		name = configured
		if name == "" || len(accounts) > 0 {
			var m string
			if m, machineErr = machine(); machineErr == nil {
				if _, err := loadZone(m); err != nil {
					machineErr = fmt.Errorf("the machine's zone %q: %w", m, err)
				}
			}
			switch {
			case machineErr == nil && configured != "" && configured != m:
				return fmt.Errorf("[bank] time_zone is %q, but this bank's ledger was written in the machine's zone %q before the zone was stored in %s: a different zone would move entries to other months; set time_zone = %s or remove it", configured, m, b.Store.Path(bankDocName), m)
			case machineErr == nil:
				name = m
			case configured == "":
				name = "UTC"
			}
		}
		data, err = json.Marshal(bankDoc{TimeZone: name})
		if err != nil {
			return fmt.Errorf("encode %s: %w", bankDocName, err)
		}
		return tx.Put(bankDocName, append(data, '\n'))
	})
	if err != nil {
		return err
	}
	zone, err := loadZone(name)
	if err != nil {
		return fmt.Errorf("time zone %q: %w", name, err)
	}
	b.Zone = zone
	log := b.Log.WithField("time_zone", name)
	switch {
	case stored != "":
		log.Debug("bank time zone")
	case machineErr != nil && configured == "":
		log.WithError(machineErr).Warn("the machine's time zone has no name to store, so this bank's ledger months follow UTC (stored in " + b.Store.Path(bankDocName) + "); to choose a bank's zone, set [bank] time_zone in the configuration before its first start")
	default:
		log.WithField("file", b.Store.Path(bankDocName)).Info("bank time zone fixed")
	}
	return nil
}

// loadZone loads a zone by its IANA name; "Local" and "" are not names.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%q is not the name of a time zone, such as Asia/Shanghai", name)
	}
	return time.LoadLocation(name)
}
