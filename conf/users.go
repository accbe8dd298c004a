package conf

import (
	"fmt"

	"atmshop/core"
)

// user reads a user's section. name has passed core.CheckUsername. A user
// without credit_limit gets defaultCredit, the [DEFAULT] credit_limit: the
// one key that is inherited from [DEFAULT] (see the package comment).
func (l loader) user(name string, entries []entry, defaultCredit core.Money) (core.UserSeed, error) {
	u := core.UserSeed{Name: name, CreditLimit: defaultCredit}
	for _, e := range entries {
		var err error
		switch e.key {
		case "password":
			// The password itself never goes into an error message.
			switch {
			case e.value == "":
				return u, fmt.Errorf("%s: [%s] password is empty: want at least one character", l.path, name)
			case len(e.value) > core.MaxPasswordBytes:
				return u, fmt.Errorf("%s: [%s] password is %d bytes long: want at most %d bytes (a Chinese character takes 3)", l.path, name, len(e.value), core.MaxPasswordBytes)
			}
			u.Password = e.value
		case "money":
			u.Balance, err = parseAmount(e.value)
		case "credit_limit":
			u.CreditLimit, err = parseAmount(e.value)
		case "admin":
			u.Admin, err = parseBool(e.value)
		default:
			// No value in this message: it may be a misspelt password.
			return u, fmt.Errorf("%s: [%s] %q: unknown key; a user takes password, money, credit_limit and admin", l.path, name, e.name)
		}
		if err != nil {
			return u, l.bad(name, e.name, e.value, err)
		}
	}
	return u, nil
}
