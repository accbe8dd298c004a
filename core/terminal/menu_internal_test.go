package terminal

import (
	"context"
	"io"
	"strings"
	"testing"

	"atmshop/core/banktest"
)

// A duplicate key in the admin menu stops New, before anything is shown,
// like one in the main menu.
func TestNewRefusesADuplicateAdminKey(t *testing.T) {
	f := banktest.New(t)
	run := func(context.Context, *App) error { return nil }
	admin := append(AdminCommands(), Command{Key: "1", Label: "List again", Help: "A mistake", Access: AdminOnly, Run: run})
	var out strings.Builder
	_, err := newApp(f.Bank, strings.NewReader(""), &out, Options{}, Commands(), admin)
	if err == nil || !strings.Contains(err.Error(), "admin menu") || !strings.Contains(err.Error(), `"1" is used twice`) {
		t.Errorf("New with a duplicate admin key: %v, want an error naming the admin menu and the key", err)
	}
	if out.Len() != 0 {
		t.Errorf("New wrote %q before failing, want nothing", out.String())
	}
	if _, err := newApp(f.Bank, strings.NewReader(""), io.Discard, Options{}, Commands(), AdminCommands()); err != nil {
		t.Errorf("the shipped menus: %v", err)
	}
}
