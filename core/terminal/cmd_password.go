package terminal

import (
	"context"
	"errors"

	"atmshop/core"
)

var passwordCommand = Command{Key: "8", Label: "Change password", Help: "Set a new password", Access: LoggedIn, Run: changePassword}

func changePassword(ctx context.Context, app *App) error {
	current, err := app.AskPassword(ctx, "current password: ")
	if err != nil {
		return err
	}
	newPassword, err := app.AskPassword(ctx, "new password: ")
	if err != nil {
		return err
	}
	again, err := app.AskPassword(ctx, "new password again: ")
	if err != nil {
		return err
	}
	if newPassword != again {
		return core.Refuse(core.ErrBadInput, "The two new passwords differ; nothing was changed.")
	}
	err = app.Bank().ChangePassword(ctx, app.User(), current, newPassword)
	if errors.Is(err, core.ErrLocked) {
		// Too many wrong current passwords: whoever is at the terminal
		// may not be the user. End the session as a failed login would.
		app.log.WithField("user", app.User()).Info("logout: account locked by wrong current passwords")
		app.session = Session{}
	}
	if err != nil {
		return err
	}
	app.Printf("Password changed.\n")
	return nil
}
