package core

import "context"

var passwordCommand = Command{Key: "8", Label: "Change password", Access: LoggedIn, Run: changePassword}

func changePassword(ctx context.Context, app *App) error {
	old, err := app.AskPassword(ctx, "current password: ")
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
		return refuse(ErrBadInput, "The two new passwords differ; nothing was changed.")
	}
	if err := app.Bank().ChangePassword(ctx, app.User(), old, newPassword); err != nil {
		return err
	}
	app.Printf("Password changed.\n")
	return nil
}
