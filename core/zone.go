package core

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SetUpZone fixes the bank's time zone and sets b.Zone; call it once at
// start-up, before anything is written (before Bootstrap). A ledger month
// is a month in the bank's zone, whatever the zone of the process, so the
// zone is chosen once and stored with the bank's data (BankSettings):
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
	var zone *time.Location // loaded in the transaction: a start loads it once
	err := b.Store.Update(ctx, func(tx Tx) error {
		name, stored, machineErr, zone = "", "", nil, nil
		d, err := tx.BankSettings()
		if err == nil {
			if zone, err = loadZone(d.TimeZone); err != nil {
				return fmt.Errorf("%w: bank settings: time_zone %q: %v", ErrCorrupt, d.TimeZone, err)
			}
			if configured != "" && configured != d.TimeZone {
				return fmt.Errorf("[bank] time_zone is %q, but this bank's ledger follows %q (stored with its data): a bank's time zone cannot change, or its months would no longer match; set time_zone = %s or remove it", configured, d.TimeZone, d.TimeZone)
			}
			name, stored = d.TimeZone, d.TimeZone
			return nil
		}
		if !errors.Is(err, ErrNoSettings) {
			return fmt.Errorf("read bank settings: %w", err)
		}
		accounts, err := tx.AccountNames("", 1)
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
				return fmt.Errorf("[bank] time_zone is %q, but this bank's ledger was written in the machine's zone %q before the zone was stored with its data: a different zone would move entries to other months; set time_zone = %s or remove it", configured, m, m)
			case machineErr == nil:
				name = m
			case configured == "":
				name = "UTC"
			}
		}
		return tx.SaveBankSettings(BankSettings{TimeZone: name})
	})
	if err != nil {
		return err
	}
	if zone == nil {
		if zone, err = loadZone(name); err != nil {
			return fmt.Errorf("time zone %q: %w", name, err)
		}
	}
	b.Zone = zone
	log := b.Log.WithField("time_zone", name)
	switch {
	case stored != "":
		log.Debug("bank time zone")
	case machineErr != nil && configured == "":
		log.WithError(machineErr).Warn("the machine's time zone has no name to store, so this bank's ledger months follow UTC (stored with its data); to choose a bank's zone, set [bank] time_zone in the configuration before its first start")
	default:
		log.Info("bank time zone fixed")
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
