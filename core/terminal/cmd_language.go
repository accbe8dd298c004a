package terminal

import (
	"context"

	"atmshop/core"
)

// The label is in both languages, so that someone who cannot read the one
// on the screen still finds it.
var languageCommand = Command{Key: "l", Label: "Language / 语言", Help: "Choose English or Chinese for your menus; it is kept with your account", Access: LoggedIn, Run: chooseLanguage}

// languageNames name each language in itself, whatever the menus speak.
var languageNames = map[core.Language]string{core.English: "English", core.Chinese: "中文"}

func chooseLanguage(ctx context.Context, app *App) error {
	for i, l := range core.Languages {
		app.Printf("  %d  %s\n", i+1, languageNames[l])
	}
	app.Printf("  0  %s\n", app.Sprintf("Automatic: follow the terminal's language"))
	answer, err := app.Ask(ctx, "language> ")
	if err != nil {
		return err
	}
	n, err := parseNumber(answer, core.Words("choice"), len(core.Languages))
	if err != nil {
		return err
	}
	var chosen core.Language
	if n > 0 {
		chosen = core.Languages[n-1]
	}
	if err := app.Bank().SetLanguage(ctx, app.User(), chosen); err != nil {
		return err
	}
	app.session.Language = chosen
	if chosen == "" {
		app.Printf("Your menus now follow the terminal's language.\n")
		return nil
	}
	app.Printf("Your menus are now in %s.\n", languageNames[chosen])
	return nil
}
