package terminal

import "context"

var logoutCommand = Command{Key: "o", Label: "Log out", Help: "End the session and ask for a login", Access: Anyone, Run: logout}

func logout(ctx context.Context, app *App) error {
	if app.session.User != "" {
		app.log.WithField("user", app.session.User).Info("logout")
		app.Printf("Goodbye, %s.\n", app.session.User)
	}
	app.session = Session{}
	return nil
}
