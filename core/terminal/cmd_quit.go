package terminal

import "context"

var quitCommand = Command{Key: "q", Label: "Quit", Help: "End the program", Access: Anyone, Run: func(context.Context, *App) error { return errQuit }}
